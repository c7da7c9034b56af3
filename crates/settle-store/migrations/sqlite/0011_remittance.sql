-- Remittances (835) posted: one row per payment (by trace number, so the
-- same ERA is never posted twice) and one per claim it answered, posted or
-- left in the exception queue with the reason.
CREATE TABLE remittance (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    trace TEXT NOT NULL,
    payer_name TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    method TEXT NOT NULL,
    paid_on TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    posted_by TEXT NOT NULL,
    posted_at TEXT NOT NULL,
    PRIMARY KEY (org_id, remittance_id),
    UNIQUE (org_id, trace)
);

CREATE TABLE remittance_claim (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    claim_id BIGINT,
    their_claim_number TEXT NOT NULL,
    status_code TEXT NOT NULL,
    charge_minor BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL,
    written_down_minor BIGINT NOT NULL,
    patient_minor BIGINT NOT NULL,
    entry_id BIGINT,
    outcome TEXT NOT NULL,
    reason TEXT NOT NULL,
    adjustments TEXT NOT NULL,
    PRIMARY KEY (org_id, remittance_id, seq),
    FOREIGN KEY (org_id, remittance_id) REFERENCES remittance (org_id, remittance_id)
);
CREATE INDEX remittance_claim_claim ON remittance_claim (org_id, claim_id);
CREATE INDEX remittance_claim_outcome ON remittance_claim (org_id, outcome, remittance_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'remittance', 1 FROM organisation;
