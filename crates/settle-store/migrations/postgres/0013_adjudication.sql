-- What each ERA said line by line, kept for the EOB view and for the
-- secondary claim's 2320/2430 loops; denials held open for a person to
-- appeal, correct or write off; the appeal window per payer.
CREATE TABLE remittance_line (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    line_seq BIGINT NOT NULL,
    claim_line_no BIGINT,
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,
    units TEXT NOT NULL,
    service_date TEXT NOT NULL,
    charge_minor BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL,
    remarks TEXT NOT NULL,
    PRIMARY KEY (org_id, remittance_id, seq, line_seq)
);

-- One CAS adjustment; line_seq 0 is the claim level.
CREATE TABLE remittance_adjustment (
    org_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    line_seq BIGINT NOT NULL,
    n BIGINT NOT NULL,
    group_code TEXT NOT NULL,
    reason_code TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    quantity TEXT NOT NULL,
    PRIMARY KEY (org_id, remittance_id, seq, line_seq, n)
);

ALTER TABLE remittance_claim ADD COLUMN remarks TEXT NOT NULL DEFAULT '';
ALTER TABLE payer ADD COLUMN appeal_days BIGINT NOT NULL DEFAULT 180;

-- A denied claim or line: its open balance stays on the payer's account
-- until it is appealed and paid, corrected and paid, or written off.
CREATE TABLE denial (
    org_id BIGINT NOT NULL,
    denial_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    remittance_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    claim_line_no BIGINT,
    item_id BIGINT,
    amount_minor BIGINT NOT NULL,
    reasons TEXT NOT NULL,
    remarks TEXT NOT NULL,
    next_step TEXT NOT NULL,
    denied_on TEXT NOT NULL,
    appeal_by TEXT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, denial_id)
);
CREATE INDEX denial_status ON denial (org_id, status, appeal_by);
CREATE INDEX denial_claim ON denial (org_id, claim_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'denial', 1 FROM organisation;

-- A patient statement as sent: what it showed (JSON, so the PDF is drawn
-- again exactly), its place in the account's cycle, and when.
CREATE TABLE statement (
    org_id BIGINT NOT NULL,
    statement_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    cycle_date TEXT NOT NULL,
    sequence BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    body TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, statement_id),
    UNIQUE (org_id, account_id, cycle_date)
);
CREATE INDEX statement_account ON statement (org_id, account_id, statement_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'statement', 1 FROM organisation;
