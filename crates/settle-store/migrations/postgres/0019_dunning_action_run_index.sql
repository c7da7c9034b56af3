-- Nothing reads a run's actions by run id (the pages and the API read an
-- account's actions through dunning_action_account), and a first run over a
-- million accounts writes millions of action rows: one index less to keep.
DROP INDEX dunning_action_run;
