-- Lines an ERA paid below the payer's contracted allowed amount (what it
-- paid plus what it left to the patient, against the fee schedule).
CREATE TABLE underpayment (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    procedure_code TEXT NOT NULL,
    allowed_minor BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL,
    patient_minor BIGINT NOT NULL,
    short_minor BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, remittance_id, claim_id, line_no)
);
CREATE INDEX underpayment_claim ON underpayment (org_id, claim_id);
