-- Users, sessions, API tokens and the audit trail.

-- Usernames are unique across organisations, so a login names one user.
CREATE TABLE app_user (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    user_id BIGINT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until TEXT,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id)
);

-- A login session; only the SHA-256 of its cookie value is kept.
CREATE TABLE user_session (
    session_sha256 TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL,
    user_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT,
    FOREIGN KEY (org_id, user_id) REFERENCES app_user (org_id, user_id)
);

-- An API token; the secret is shown once and only its SHA-256 is kept.
CREATE TABLE api_token (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    token_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_sha256 TEXT NOT NULL UNIQUE,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    PRIMARY KEY (org_id, token_id)
);

-- The audit trail: every write and every read of a person's record. Each
-- row's hash covers its fields and the previous row's hash in the same
-- organisation, so an edited, inserted or deleted row breaks the chain.
CREATE TABLE audit_log (
    org_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    address TEXT NOT NULL,
    action TEXT NOT NULL,
    record TEXT NOT NULL,
    before_json TEXT,
    after_json TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL,
    PRIMARY KEY (org_id, seq)
);

-- The chain's head per organisation: the last row's number and hash.
CREATE TABLE audit_head (
    org_id BIGINT NOT NULL PRIMARY KEY REFERENCES organisation (org_id),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL
);

INSERT INTO audit_head (org_id, seq, hash)
SELECT org_id, 0, '0000000000000000000000000000000000000000000000000000000000000000' FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'user', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'token', 1 FROM organisation;

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
