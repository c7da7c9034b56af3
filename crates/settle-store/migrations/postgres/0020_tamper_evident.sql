-- The journal chained like the audit trail: journal_head holds, per
-- organisation, how many entries the chain has taken, the last entry's id
-- and the running SHA-256 over every entry and its postings in id order
-- (chain.rs). An entry or posting inserted, changed or deleted around
-- Settle no longer matches it, and `settle audit verify` says so.
-- entries = -1 marks a head to be computed from the journal as it stands
-- when Settle first opens the database after this migration.
CREATE TABLE journal_head (
    org_id BIGINT NOT NULL PRIMARY KEY REFERENCES organisation (org_id),
    entries BIGINT NOT NULL,
    last_entry_id BIGINT NOT NULL,
    hash TEXT NOT NULL
);
INSERT INTO journal_head (org_id, entries, last_entry_id, hash) SELECT org_id, -1, 0, '' FROM organisation;

-- The heads move only forward and are never deleted: a head moved back
-- would hide rows deleted from the end.
CREATE FUNCTION settle_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
    END IF;
    IF TG_TABLE_NAME = 'audit_head' THEN
        IF NEW.org_id <> OLD.org_id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash) THEN
            RAISE EXCEPTION 'audit_head only moves forward';
        END IF;
    ELSE
        IF NEW.org_id <> OLD.org_id OR NEW.entries < OLD.entries OR (NEW.entries = OLD.entries AND NEW.hash <> OLD.hash)
            OR (OLD.entries >= 0 AND NEW.last_entry_id < OLD.last_entry_id) THEN
            RAISE EXCEPTION 'journal_head only moves forward';
        END IF;
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER journal_head_forward BEFORE UPDATE OR DELETE ON journal_head
    FOR EACH ROW EXECUTE FUNCTION settle_head_forward();
CREATE TRIGGER audit_head_forward BEFORE UPDATE OR DELETE ON audit_head
    FOR EACH ROW EXECUTE FUNCTION settle_head_forward();

-- Row triggers do not fire on TRUNCATE: refuse it on every append-only
-- table and on the heads, so emptying them takes dropping a trigger first.
CREATE TRIGGER journal_entry_no_truncate BEFORE TRUNCATE ON journal_entry
    FOR EACH STATEMENT EXECUTE FUNCTION settle_append_only();
CREATE TRIGGER posting_no_truncate BEFORE TRUNCATE ON posting
    FOR EACH STATEMENT EXECUTE FUNCTION settle_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION settle_append_only();
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head
    FOR EACH STATEMENT EXECUTE FUNCTION settle_append_only();
CREATE TRIGGER journal_head_no_truncate BEFORE TRUNCATE ON journal_head
    FOR EACH STATEMENT EXECUTE FUNCTION settle_append_only();
