-- The billing office's own records: organisation settings, notes on
-- accounts, and adjustments held for a coordinator's approval; and the
-- indexes the dashboard, search and reports read through.

-- One row per organisation; absent means the defaults.
CREATE TABLE org_policy (
    org_id BIGINT NOT NULL PRIMARY KEY REFERENCES organisation (org_id),
    default_terms TEXT NOT NULL,
    writeoff_approval_minor BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    CHECK (writeoff_approval_minor >= 0)
);

-- Notes are a record of what people knew and did: never edited, never
-- deleted; a correction is another note.
CREATE TABLE account_note (
    org_id BIGINT NOT NULL,
    note_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    body TEXT NOT NULL,
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, note_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);
CREATE INDEX account_note_account ON account_note (org_id, account_id, note_id);

-- A requested adjustment waiting for someone else to approve or reject it.
-- request is the adjustment command as JSON; it posts, unchanged, on approval.
CREATE TABLE approval (
    org_id BIGINT NOT NULL,
    approval_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    reference TEXT NOT NULL,
    reason TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    request TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    status TEXT NOT NULL,
    decided_by TEXT,
    decided_at TEXT,
    decision_note TEXT NOT NULL,
    adjustment_id BIGINT,
    PRIMARY KEY (org_id, approval_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);
CREATE INDEX approval_status ON approval (org_id, status, approval_id);
CREATE INDEX approval_account ON approval (org_id, account_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'note', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'approval', 1 FROM organisation;

-- Reads by account, with the order they are shown in: without the sort
-- columns in the index, SQLite's planner (which has no statistics) may walk
-- a whole organisation's rows in that order instead.
DROP INDEX payment_account;
CREATE INDEX payment_account ON payment (org_id, account_id, received_on, payment_id);
DROP INDEX journal_entry_account;
CREATE INDEX journal_entry_account ON journal_entry (org_id, account_id, effective_date, entry_id);
DROP INDEX party_contact_party;
CREATE INDEX party_contact_party ON party_contact (org_id, party_id, contact_id);
CREATE INDEX adjustment_item ON adjustment (org_id, item_id);

-- Dashboard, search and reports.
CREATE INDEX open_item_open ON open_item (org_id, currency, balance_minor, due_date);
CREATE INDEX payment_received ON payment (org_id, received_on);
CREATE INDEX invoice_issued ON invoice (org_id, issue_date);
CREATE INDEX adjustment_date ON adjustment (org_id, effective_date);
CREATE INDEX allocation_account ON allocation (org_id, account_id, allocation_id);
DROP INDEX allocation_payment;
CREATE INDEX allocation_payment ON allocation (org_id, payment_id, item_id);
CREATE INDEX invoice_status ON invoice (org_id, status);
CREATE INDEX party_contact_value ON party_contact (org_id, value);
CREATE INDEX party_birth ON party (org_id, date_of_birth);
CREATE INDEX account_party ON account (org_id, party_id);
