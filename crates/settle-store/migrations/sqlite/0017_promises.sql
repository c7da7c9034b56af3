-- Promises to pay: an amount by a date, kept or broken by the payments
-- the account receives (settle_domain::promises).
CREATE TABLE promise (
    org_id BIGINT NOT NULL,
    promise_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    made_on TEXT NOT NULL,
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    kept_on TEXT,
    note TEXT NOT NULL,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    reviewed_at TEXT,
    PRIMARY KEY (org_id, promise_id),
    CHECK (amount_minor > 0)
);
CREATE INDEX promise_account ON promise (org_id, account_id, promise_id);
CREATE INDEX promise_status ON promise (org_id, status, due_on);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'promise', 1 FROM organisation;

-- Collection letters as sent (the validation notice's data), so each is
-- drawn again exactly as it went out.
CREATE TABLE collection_letter (
    org_id BIGINT NOT NULL,
    letter_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    sent_on TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (org_id, letter_id)
);
CREATE INDEX collection_letter_account ON collection_letter (org_id, account_id, letter_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'collection_letter', 1 FROM organisation;
