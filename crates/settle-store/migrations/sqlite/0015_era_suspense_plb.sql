-- ERA money that is not a matched claim's: provider-level adjustments (PLB)
-- posted as their own entry, and unmatched claims' payments held in
-- suspense until a person matches them to a claim or owes them back, so
-- that an ERA's cash always equals its deposit (BPR02).
INSERT INTO gl_account (org_id, code, name, kind)
    SELECT org_id, '1130', 'Payer offsets and withholdings (PLB)', 'asset' FROM organisation;
INSERT INTO gl_account (org_id, code, name, kind)
    SELECT org_id, '2150', 'ERA payments not yet matched', 'liability' FROM organisation;
INSERT INTO gl_account (org_id, code, name, kind)
    SELECT org_id, '4300', 'Interest from payers', 'income' FROM organisation;

ALTER TABLE remittance ADD COLUMN plb_entry_id BIGINT;

CREATE TABLE remittance_provider_adjustment (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    segment_number BIGINT NOT NULL,
    provider TEXT NOT NULL,
    reason TEXT NOT NULL,
    reference TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, remittance_id, seq),
    FOREIGN KEY (org_id, remittance_id) REFERENCES remittance (org_id, remittance_id)
);

-- An exception's payment in suspense, and how a person resolved it.
ALTER TABLE remittance_claim ADD COLUMN suspense_entry_id BIGINT;
ALTER TABLE remittance_claim ADD COLUMN resolution TEXT NOT NULL DEFAULT '';
ALTER TABLE remittance_claim ADD COLUMN resolved_by TEXT;
ALTER TABLE remittance_claim ADD COLUMN resolved_at TEXT;
