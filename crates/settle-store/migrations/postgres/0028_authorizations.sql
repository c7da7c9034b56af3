-- Authorizations and referrals on file (settle_domain::authorizations):
-- what a payer allowed one patient (its number, the services, how many
-- visits or units, the dates), and each claim line's use of one, so the
-- next claim counts what is left. A claim's uses are replaced whenever it
-- is saved, and removed when it is voided.
CREATE TABLE authorization_on_file (
    org_id BIGINT NOT NULL,
    authorization_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    payer_key BIGINT NOT NULL,
    kind TEXT NOT NULL,
    number TEXT NOT NULL,
    procedures TEXT NOT NULL,
    allowed BIGINT,
    counts TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, authorization_id),
    UNIQUE (org_id, payer_key, kind, number),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    FOREIGN KEY (org_id, payer_key) REFERENCES payer (org_id, payer_key),
    CHECK (allowed IS NULL OR allowed > 0)
);
CREATE INDEX authorization_on_file_account ON authorization_on_file (org_id, account_id);

CREATE TABLE authorization_use (
    org_id BIGINT NOT NULL,
    authorization_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    amount BIGINT NOT NULL,
    PRIMARY KEY (org_id, claim_id, line_no, authorization_id),
    FOREIGN KEY (org_id, authorization_id) REFERENCES authorization_on_file (org_id, authorization_id),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id),
    CHECK (amount >= 0)
);
CREATE INDEX authorization_use_by_authorization ON authorization_use (org_id, authorization_id);

-- Ids for authorizations, for organisations made before this migration.
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'authorization', 1 FROM organisation;
