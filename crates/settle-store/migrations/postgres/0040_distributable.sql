-- Ready to distribute by organisation (ARCHITECTURE.md, "Distributing by
-- organisation"): no key or unique index without org_id. A sign-in name
-- stays unique across organisations through sign_in_name, a reference
-- table copied to every node; sessions and API tokens are keyed by
-- organisation and found by their digest through a plain index, which a
-- distributed engine keeps on each node.
ALTER TABLE user_session RENAME TO user_session_old;
ALTER TABLE api_token RENAME TO api_token_old;
ALTER TABLE app_user RENAME TO app_user_old;

CREATE TABLE app_user (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    user_id BIGINT NOT NULL,
    username TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    status TEXT NOT NULL,
    failed_logins BIGINT NOT NULL,
    locked_until TEXT,
    last_login_at TEXT,
    created_at TEXT NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    CONSTRAINT app_user_key PRIMARY KEY (org_id, user_id),
    CONSTRAINT app_user_username UNIQUE (org_id, username)
);
INSERT INTO app_user (org_id, user_id, username, display_name, role, password_hash, status, failed_logins, locked_until,
    last_login_at, created_at, must_change_password)
SELECT org_id, user_id, username, display_name, role, password_hash, status, failed_logins, locked_until,
    last_login_at, created_at, must_change_password FROM app_user_old;

-- Which organisation a sign-in name belongs to: unique across all of them,
-- so signing in needs no organisation.
CREATE TABLE sign_in_name (
    username TEXT NOT NULL PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    user_id BIGINT NOT NULL
);
INSERT INTO sign_in_name (username, org_id, user_id) SELECT username, org_id, user_id FROM app_user;

CREATE TABLE user_session (
    org_id BIGINT NOT NULL,
    session_sha256 TEXT NOT NULL,
    user_id BIGINT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    ended_at TEXT,
    CONSTRAINT user_session_key PRIMARY KEY (org_id, session_sha256),
    FOREIGN KEY (org_id, user_id) REFERENCES app_user (org_id, user_id)
);
INSERT INTO user_session (org_id, session_sha256, user_id, address, created_at, last_seen_at, ended_at)
SELECT org_id, session_sha256, user_id, address, created_at, last_seen_at, ended_at FROM user_session_old;
CREATE INDEX user_session_digest ON user_session (session_sha256);

CREATE TABLE api_token (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    token_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    role TEXT NOT NULL,
    token_sha256 TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT,
    CONSTRAINT api_token_key PRIMARY KEY (org_id, token_id),
    CONSTRAINT api_token_secret UNIQUE (org_id, token_sha256)
);
INSERT INTO api_token (org_id, token_id, name, role, token_sha256, created_by, created_at, revoked_at)
SELECT org_id, token_id, name, role, token_sha256, created_by, created_at, revoked_at FROM api_token_old;
CREATE INDEX api_token_digest ON api_token (token_sha256);

DROP TABLE user_session_old;
DROP TABLE api_token_old;
DROP TABLE app_user_old;
