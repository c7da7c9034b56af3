-- A first dunning run over a million accounts writes millions of action
-- rows and hundreds of thousands of dunning states; each b-tree less per row
-- is time saved:
-- * nothing reads a run's actions by run id (the pages and the API read an
--   account's actions through dunning_action_account), so that index goes;
-- * both tables are kept in their primary key's order (WITHOUT ROWID), so a
--   row is written once instead of once in a rowid table and again in the
--   key's index. Nothing references either table.
CREATE TABLE dunning_action_by_key (
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
) WITHOUT ROWID;
INSERT INTO dunning_action_by_key (org_id, action_id, run_id, account_id, on_date, level_name, action, outcome, amount_minor, detail)
    SELECT org_id, action_id, run_id, account_id, on_date, level_name, action, outcome, amount_minor, detail FROM dunning_action;
DROP TABLE dunning_action;
ALTER TABLE dunning_action_by_key RENAME TO dunning_action;
CREATE INDEX dunning_action_account ON dunning_action (org_id, account_id, action_id);

CREATE TABLE dunning_state_by_key (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    level_seq BIGINT NOT NULL,
    level_name TEXT NOT NULL,
    reached_on TEXT NOT NULL,
    stage TEXT NOT NULL,
    held_on TEXT,
    PRIMARY KEY (org_id, account_id)
) WITHOUT ROWID;
INSERT INTO dunning_state_by_key (org_id, account_id, level_seq, level_name, reached_on, stage, held_on)
    SELECT org_id, account_id, level_seq, level_name, reached_on, stage, held_on FROM dunning_state;
DROP TABLE dunning_state;
ALTER TABLE dunning_state_by_key RENAME TO dunning_state;
