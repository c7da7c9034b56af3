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
CREATE TRIGGER journal_head_no_delete BEFORE DELETE ON journal_head
BEGIN SELECT RAISE(ABORT, 'journal_head is append-only'); END;
CREATE TRIGGER journal_head_forward BEFORE UPDATE ON journal_head
WHEN NEW.org_id <> OLD.org_id OR NEW.entries < OLD.entries OR (NEW.entries = OLD.entries AND NEW.hash <> OLD.hash)
    OR (OLD.entries >= 0 AND NEW.last_entry_id < OLD.last_entry_id)
BEGIN SELECT RAISE(ABORT, 'journal_head only moves forward'); END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN SELECT RAISE(ABORT, 'audit_head is append-only'); END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.org_id <> OLD.org_id OR NEW.seq < OLD.seq OR (NEW.seq = OLD.seq AND NEW.hash <> OLD.hash)
BEGIN SELECT RAISE(ABORT, 'audit_head only moves forward'); END;
