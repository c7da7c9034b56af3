-- A payer's window for a corrected claim (frequency 7), in days after its
-- decision; NULL when the payer takes corrections within its timely filing
-- limit from the date of service (Medicare's rule).
ALTER TABLE payer ADD COLUMN corrected_claim_days BIGINT;
