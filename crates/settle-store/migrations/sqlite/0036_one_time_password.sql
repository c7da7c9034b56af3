-- A password someone else set (an admin adding or resetting a user, the
-- operator's command line, a generated one printed once) is one-time: the
-- user must choose their own before anything else. 1 until they do.
ALTER TABLE app_user ADD COLUMN must_change_password BIGINT NOT NULL DEFAULT 0;
