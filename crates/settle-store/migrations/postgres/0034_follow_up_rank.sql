-- The follow-up list, kept ranked: one row per open claim with the order
-- keys the domain gave it (settle_domain::follow_up::sort_key) on the day
-- in follow_up_state.as_of. Claims whose facts change are put in
-- follow_up_dirty by the triggers below, whichever path changed them, and
-- re-ranked before the list is next read; a new day (or a payer's limits
-- changed) ranks every claim again.
CREATE TABLE follow_up_state (
    org_id BIGINT NOT NULL PRIMARY KEY,
    as_of TEXT,
    -- How many ranked claims are in each group (0 near a deadline, 1 due,
    -- 2 past a deadline, 3 waiting), kept with the ranking.
    near_deadline BIGINT NOT NULL DEFAULT 0,
    due BIGINT NOT NULL DEFAULT 0,
    past_deadline BIGINT NOT NULL DEFAULT 0,
    waiting BIGINT NOT NULL DEFAULT 0
);

CREATE TABLE follow_up_rank (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    claim_number TEXT NOT NULL,
    payer_key BIGINT NOT NULL,
    assigned_to TEXT NOT NULL,
    grp BIGINT NOT NULL,
    key_a BIGINT NOT NULL,
    key_b BIGINT NOT NULL,
    PRIMARY KEY (org_id, claim_id)
);
CREATE INDEX follow_up_rank_order ON follow_up_rank (org_id, grp, key_a, key_b, claim_number);
CREATE INDEX follow_up_rank_payer ON follow_up_rank (org_id, payer_key, grp, key_a, key_b, claim_number);
CREATE INDEX follow_up_rank_person ON follow_up_rank (org_id, assigned_to, grp, key_a, key_b, claim_number);

CREATE TABLE follow_up_dirty (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL
);
CREATE INDEX follow_up_dirty_org ON follow_up_dirty (org_id, claim_id);
CREATE INDEX claim_line_item ON claim_line (org_id, item_id);

-- One function puts the changed row's claim in follow_up_dirty; open_item's
-- finds the claim by its line; payer's asks for the whole list again.
CREATE FUNCTION settle_follow_up_dirty() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO follow_up_dirty (org_id, claim_id) VALUES (OLD.org_id, OLD.claim_id);
    ELSIF TG_TABLE_NAME = 'open_item' THEN
        INSERT INTO follow_up_dirty (org_id, claim_id)
            SELECT org_id, claim_id FROM claim_line WHERE org_id = NEW.org_id AND item_id = NEW.item_id;
    ELSIF TG_TABLE_NAME = 'payer' THEN
        UPDATE follow_up_state SET as_of = NULL WHERE org_id = NEW.org_id;
    ELSE
        INSERT INTO follow_up_dirty (org_id, claim_id) VALUES (NEW.org_id, NEW.claim_id);
    END IF;
    RETURN NULL;
END;
$$;
CREATE TRIGGER follow_up_claim_insert AFTER INSERT ON claim
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_claim_update AFTER UPDATE OF status, submitted_on, payer_key, total_minor, claim_number ON claim
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_claim_delete AFTER DELETE ON claim
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_line_insert AFTER INSERT ON claim_line
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_line_update AFTER UPDATE OF date_of_service, item_id ON claim_line
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_item_insert AFTER INSERT ON open_item
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_item_update AFTER UPDATE OF balance_minor ON open_item
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_denial_insert AFTER INSERT ON denial
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_denial_update AFTER UPDATE OF denied_on, claim_id ON denial
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_work_insert AFTER INSERT ON claim_follow_up
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_work_update AFTER UPDATE OF next_on, assigned_to ON claim_follow_up
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_answer_insert AFTER INSERT ON claim_status_answer
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
CREATE TRIGGER follow_up_payer_limits AFTER UPDATE OF timely_filing_days, appeal_days, corrected_claim_days ON payer
    FOR EACH ROW EXECUTE FUNCTION settle_follow_up_dirty();
