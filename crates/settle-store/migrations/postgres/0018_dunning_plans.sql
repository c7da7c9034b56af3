-- Collections, second part: dunning policies and runs, the work queue and
-- its assignment, payment plans, settlements, and the email outbox.

INSERT INTO gl_account (org_id, code, name, kind)
    SELECT org_id, '5150', 'Settlement discounts', 'contraincome' FROM organisation;

-- What the account's terms and the consumer's circumstances allow.
ALTER TABLE collection_profile ADD COLUMN late_fees_allowed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE collection_profile ADD COLUMN bankruptcy_on TEXT;
ALTER TABLE collection_profile ADD COLUMN deceased_on TEXT;
ALTER TABLE collection_profile ADD COLUMN insurance_pending BIGINT NOT NULL DEFAULT 0;

-- The policy's levels, in order of days past due; absent means the standard policy.
CREATE TABLE dunning_level (
    org_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    name TEXT NOT NULL,
    days_past_due BIGINT NOT NULL,
    min_balance_minor BIGINT NOT NULL,
    -- "letter:first_notice,email,fee"
    actions TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE dunning_settings (
    org_id BIGINT NOT NULL PRIMARY KEY,
    late_fee_fixed_minor BIGINT NOT NULL,
    late_fee_percent_bp BIGINT NOT NULL,
    late_fee_cap_minor BIGINT NOT NULL,
    plan_grace_days BIGINT NOT NULL,
    plan_default_missed BIGINT NOT NULL,
    -- Discounts above this (basis points of the balance) need a coordinator.
    settlement_limit_bp BIGINT NOT NULL,
    updated_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- Where each account stands in dunning; no row means current.
CREATE TABLE dunning_state (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    level_seq BIGINT NOT NULL,
    level_name TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    held_on TEXT,
    PRIMARY KEY (org_id, account_id)
);

CREATE TABLE dunning_run (
    org_id BIGINT NOT NULL,
    run_id BIGINT NOT NULL,
    as_of TEXT NOT NULL,
    accounts BIGINT NOT NULL,
    advanced BIGINT NOT NULL,
    cured BIGINT NOT NULL,
    paused BIGINT NOT NULL,
    letters BIGINT NOT NULL,
    emails BIGINT NOT NULL,
    fees BIGINT NOT NULL,
    refused BIGINT NOT NULL,
    queue BIGINT NOT NULL,
    run_by TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL,
    PRIMARY KEY (org_id, run_id)
);

-- Each thing a run did or declined to do, per account.
CREATE TABLE dunning_action (
    org_id BIGINT NOT NULL,
    action_id BIGINT NOT NULL,
    run_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    on_date TEXT NOT NULL,
    level_name TEXT NOT NULL,
    action TEXT NOT NULL,
    -- done, refused (the gate said no), skipped (nothing to do it with), paused, cured
    outcome TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    detail TEXT NOT NULL,
    PRIMARY KEY (org_id, action_id)
);
CREATE INDEX dunning_action_account ON dunning_action (org_id, account_id, action_id);
CREATE INDEX dunning_action_run ON dunning_action (org_id, run_id);

-- The work queue as last rebuilt: rank 1 is worked first.
CREATE TABLE worklist_item (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    queue_rank BIGINT NOT NULL,
    tier BIGINT NOT NULL,
    promise_due BIGINT NOT NULL,
    balance_minor BIGINT NOT NULL,
    days_past_due BIGINT NOT NULL,
    broken_promises BIGINT NOT NULL,
    last_contact_on TEXT,
    level_name TEXT NOT NULL,
    collector TEXT NOT NULL,
    built_on TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
CREATE INDEX worklist_collector ON worklist_item (org_id, collector, queue_rank);
CREATE INDEX worklist_rank ON worklist_item (org_id, queue_rank);

-- A coordinator's hand assignment; it outranks the rules.
CREATE TABLE worklist_assignment (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    collector TEXT NOT NULL,
    assigned_by TEXT NOT NULL,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);

-- Assignment rules, tried in order: balance, alphabet, everyone.
CREATE TABLE assignment_rule (
    org_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    kind TEXT NOT NULL,
    min_minor BIGINT,
    max_minor BIGINT,
    letter_from TEXT,
    letter_to TEXT,
    collectors TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

CREATE TABLE payment_plan (
    org_id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    down_minor BIGINT NOT NULL,
    installment_minor BIGINT NOT NULL,
    frequency TEXT NOT NULL,
    start_on TEXT NOT NULL,
    status TEXT NOT NULL,
    missed BIGINT NOT NULL,
    paid_minor BIGINT NOT NULL,
    reviewed_on TEXT,
    ended_on TEXT,
    letter_id BIGINT,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, plan_id),
    CHECK (total_minor > 0 AND down_minor >= 0)
);
CREATE INDEX payment_plan_account ON payment_plan (org_id, account_id, plan_id);
CREATE INDEX payment_plan_status ON payment_plan (org_id, status);

CREATE TABLE plan_installment (
    org_id BIGINT NOT NULL,
    plan_id BIGINT NOT NULL,
    number BIGINT NOT NULL,
    due_on TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, plan_id, number),
    CHECK (amount_minor > 0)
);

CREATE TABLE settlement (
    org_id BIGINT NOT NULL,
    settlement_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    currency TEXT NOT NULL,
    balance_minor BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    discount_bp BIGINT NOT NULL,
    offered_on TEXT NOT NULL,
    expires_on TEXT NOT NULL,
    -- awaiting_approval, offered, paid, expired, declined, cancelled
    status TEXT NOT NULL,
    approved_by TEXT,
    approved_at TEXT,
    paid_on TEXT,
    adjustment_entry_id BIGINT,
    letter_id BIGINT,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, settlement_id),
    CHECK (amount_minor > 0 AND amount_minor < balance_minor)
);
CREATE INDEX settlement_account ON settlement (org_id, account_id, settlement_id);

-- Emails waiting to go, sent, or given up on; the sender retries with backoff.
CREATE TABLE email_outbox (
    org_id BIGINT NOT NULL,
    email_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    to_address TEXT NOT NULL,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    -- queued, sent, failed
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL,
    not_before TEXT NOT NULL,
    last_error TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (org_id, email_id)
);
CREATE INDEX email_outbox_due ON email_outbox (status, not_before);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'dunning_run', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'dunning_action', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'payment_plan', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'settlement', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'email', 1 FROM organisation;
