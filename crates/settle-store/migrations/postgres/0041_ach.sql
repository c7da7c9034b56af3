-- Money in by ACH (issue 24): the organisation's originating bank accounts,
-- payers' debit authorisations (mandates) with what changed them, scheduled
-- debits through their lifecycle (scheduled -> in_file -> settled |
-- returned; cancelled), and the NACHA files sent and received (a file
-- received twice is refused by its SHA-256).
CREATE TABLE ach_originator (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    originator_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    odfi TEXT NOT NULL,
    odfi_name TEXT NOT NULL,
    company_id TEXT NOT NULL,
    company_name TEXT NOT NULL,
    return_fee_minor BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, originator_id),
    UNIQUE (org_id, name),
    CHECK (return_fee_minor >= 0)
);

CREATE TABLE ach_mandate (
    org_id BIGINT NOT NULL,
    mandate_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    originator_id BIGINT NOT NULL,
    holder_name TEXT NOT NULL,
    routing TEXT NOT NULL,
    bank_account TEXT NOT NULL,
    account_kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    sec TEXT NOT NULL,
    authorization_text TEXT NOT NULL,
    authorized_on TEXT NOT NULL,
    taken_by TEXT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    live_from TEXT,
    changed_on TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, mandate_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    FOREIGN KEY (org_id, originator_id) REFERENCES ach_originator (org_id, originator_id)
);
CREATE INDEX ach_mandate_account ON ach_mandate (org_id, account_id);

CREATE TABLE ach_mandate_change (
    org_id BIGINT NOT NULL,
    mandate_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    day TEXT NOT NULL,
    kind TEXT NOT NULL,
    code TEXT NOT NULL,
    before_value TEXT NOT NULL,
    after_value TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, mandate_id, seq),
    FOREIGN KEY (org_id, mandate_id) REFERENCES ach_mandate (org_id, mandate_id)
);

CREATE TABLE ach_file (
    org_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    originator_id BIGINT,
    direction TEXT NOT NULL,
    made_on TEXT NOT NULL,
    modifier TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    entries BIGINT NOT NULL,
    debit_total_minor BIGINT NOT NULL,
    content TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, file_id),
    UNIQUE (org_id, direction, sha256),
    FOREIGN KEY (org_id, originator_id) REFERENCES ach_originator (org_id, originator_id),
    CHECK (direction IN ('sent', 'received'))
);

CREATE TABLE ach_debit (
    org_id BIGINT NOT NULL,
    debit_id BIGINT NOT NULL,
    mandate_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    plan_id BIGINT,
    installment_no BIGINT,
    retry_of BIGINT,
    status TEXT NOT NULL,
    file_id BIGINT,
    trace TEXT,
    effective_on TEXT,
    payment_id BIGINT,
    return_code TEXT,
    returned_on TEXT,
    settled_on TEXT,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, debit_id),
    FOREIGN KEY (org_id, mandate_id) REFERENCES ach_mandate (org_id, mandate_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    FOREIGN KEY (org_id, file_id) REFERENCES ach_file (org_id, file_id),
    FOREIGN KEY (org_id, payment_id) REFERENCES payment (org_id, payment_id),
    CHECK ((purpose = 'prenote') = (amount_minor = 0)),
    CHECK (amount_minor >= 0)
);
CREATE INDEX ach_debit_status ON ach_debit (org_id, status, due_on);
CREATE INDEX ach_debit_trace ON ach_debit (org_id, trace);
CREATE INDEX ach_debit_mandate ON ach_debit (org_id, mandate_id);
CREATE UNIQUE INDEX ach_debit_installment ON ach_debit (org_id, plan_id, installment_no)
    WHERE plan_id IS NOT NULL AND retry_of IS NULL AND status IN ('scheduled', 'in_file', 'settled');

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'ach_originator', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'ach_mandate', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'ach_file', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'ach_debit', 1 FROM organisation;
