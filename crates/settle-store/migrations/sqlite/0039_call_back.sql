-- When to call an account back, as the consumer or the collector asked
-- while logging a contact: the work queue shows it, and "Next account"
-- leaves the account until that day (then takes it first). A later call,
-- text or visit on or after the day clears it.
CREATE TABLE collection_call_back (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    call_back_on TEXT NOT NULL,
    contact_id BIGINT NOT NULL,
    set_by TEXT NOT NULL,
    set_at TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id)
);
