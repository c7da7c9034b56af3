-- Collections, first part: what a person asked of us, the contact log,
-- disputes, and every answer of the contact gate (Regulation F).

-- Per account: how the consumer answering for it may be contacted.
CREATE TABLE collection_profile (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    stated_zone TEXT NOT NULL DEFAULT '',
    cease_requested_at TEXT,
    attorney_name TEXT NOT NULL DEFAULT '',
    attorney_phone TEXT NOT NULL DEFAULT '',
    no_contact_at_work BIGINT NOT NULL DEFAULT 0,
    -- "tue 09:00-12:00" spans, one per line.
    inconvenient TEXT NOT NULL DEFAULT '',
    -- "email" or "email pat@example.com", one per line.
    opt_outs TEXT NOT NULL DEFAULT '',
    validation_sent_on TEXT,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);

CREATE TABLE dispute (
    org_id BIGINT NOT NULL,
    dispute_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    received_on TEXT NOT NULL,
    note TEXT NOT NULL,
    verification_sent_on TEXT,
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (org_id, dispute_id)
);
CREATE INDEX dispute_account ON dispute (org_id, account_id);

-- Every answer of the gate, allowed or not: who asked, about what, and why.
CREATE TABLE contact_decision (
    org_id BIGINT NOT NULL,
    decision_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    address TEXT NOT NULL,
    purpose TEXT NOT NULL,
    at TEXT NOT NULL,
    allowed BIGINT NOT NULL,
    checked TEXT NOT NULL,
    failures TEXT NOT NULL,
    -- When it opens, in the person's own time ("2026-11-30 08:00 Central").
    allowed_from_local TEXT,
    asked_by TEXT NOT NULL,
    asked_at TEXT NOT NULL,
    PRIMARY KEY (org_id, decision_id)
);
CREATE INDEX contact_decision_account ON contact_decision (org_id, account_id, decision_id);

-- The contact log: calls (both ways), letters, emails, texts, visits, notes.
CREATE TABLE contact_attempt (
    org_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    address TEXT NOT NULL,
    at_work BIGINT NOT NULL,
    purpose TEXT NOT NULL,
    outcome TEXT NOT NULL,
    conversation BIGINT NOT NULL,
    at TEXT NOT NULL,
    note TEXT NOT NULL,
    decision_id BIGINT,
    logged_by TEXT NOT NULL,
    logged_at TEXT NOT NULL,
    PRIMARY KEY (org_id, contact_id)
);
CREATE INDEX contact_attempt_account ON contact_attempt (org_id, account_id, at);

-- Debt collector (third party: every rule) or creditor (first party: the
-- rules it chose); absent means a creditor with the default rules.
CREATE TABLE collection_policy (
    org_id BIGINT NOT NULL PRIMARY KEY,
    third_party BIGINT NOT NULL,
    first_party_rules TEXT NOT NULL,
    -- Where and when consumers reach the collector, printed on letters.
    mail_address TEXT NOT NULL DEFAULT '',
    phone TEXT NOT NULL DEFAULT '',
    hours TEXT NOT NULL DEFAULT '',
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'dispute', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'contact_decision', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'contact_attempt', 1 FROM organisation;
