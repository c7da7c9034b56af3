-- Decimal units (settle_domain::units): a claim line's units (SV104) and an
-- authorization's allowance and uses are kept as thousandths of a unit, so
-- 1.5 units of a drug is 1500 and nothing is rounded. The columns are
-- renamed so that no reader can take thousandths for whole units.
ALTER TABLE claim_line RENAME COLUMN units TO units_thousandths;
UPDATE claim_line SET units_thousandths = units_thousandths * 1000;
ALTER TABLE authorization_on_file RENAME COLUMN allowed TO allowed_thousandths;
UPDATE authorization_on_file SET allowed_thousandths = allowed_thousandths * 1000 WHERE allowed_thousandths IS NOT NULL;
ALTER TABLE authorization_use RENAME COLUMN amount TO amount_thousandths;
UPDATE authorization_use SET amount_thousandths = amount_thousandths * 1000;
