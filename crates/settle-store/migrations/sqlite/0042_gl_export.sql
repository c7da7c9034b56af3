-- The books out (issue 24, part 4): Settle's chart mapped to the customer's
-- general ledger, the daily summary journals exported (each line kept, so
-- the next export sends only what changed, under a new id), and the days
-- the books are closed through (no entry dated on or before them is taken).
CREATE TABLE gl_mapping (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    gl_code TEXT NOT NULL,
    target_account TEXT NOT NULL,
    target_id TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    changed_by TEXT NOT NULL,
    PRIMARY KEY (org_id, gl_code)
);

CREATE TABLE gl_export (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    export_id BIGINT NOT NULL,
    from_date TEXT,
    through_date TEXT NOT NULL,
    journals BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (org_id, export_id)
);

CREATE TABLE gl_export_journal (
    org_id BIGINT NOT NULL,
    journal_id TEXT NOT NULL,
    export_id BIGINT NOT NULL,
    day TEXT NOT NULL,
    currency TEXT NOT NULL,
    seq BIGINT NOT NULL,
    PRIMARY KEY (org_id, journal_id),
    UNIQUE (org_id, day, currency, seq),
    FOREIGN KEY (org_id, export_id) REFERENCES gl_export (org_id, export_id)
);
CREATE INDEX gl_export_journal_export ON gl_export_journal (org_id, export_id);

CREATE TABLE gl_export_line (
    org_id BIGINT NOT NULL,
    journal_id TEXT NOT NULL,
    gl_code TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, journal_id, gl_code),
    FOREIGN KEY (org_id, journal_id) REFERENCES gl_export_journal (org_id, journal_id)
);

CREATE TABLE books_close (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    close_id BIGINT NOT NULL,
    closed_through TEXT NOT NULL,
    -- The journal's last entry when the books were closed: every later
    -- entry must be dated after closed_through (`settle verify`).
    last_entry_id BIGINT NOT NULL,
    note TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    PRIMARY KEY (org_id, close_id)
);
CREATE TRIGGER gl_export_no_update BEFORE UPDATE ON gl_export
BEGIN SELECT RAISE(ABORT, 'gl_export is append-only'); END;
CREATE TRIGGER gl_export_no_delete BEFORE DELETE ON gl_export
BEGIN SELECT RAISE(ABORT, 'gl_export is append-only'); END;
CREATE TRIGGER gl_export_journal_no_update BEFORE UPDATE ON gl_export_journal
BEGIN SELECT RAISE(ABORT, 'gl_export_journal is append-only'); END;
CREATE TRIGGER gl_export_journal_no_delete BEFORE DELETE ON gl_export_journal
BEGIN SELECT RAISE(ABORT, 'gl_export_journal is append-only'); END;
CREATE TRIGGER gl_export_line_no_update BEFORE UPDATE ON gl_export_line
BEGIN SELECT RAISE(ABORT, 'gl_export_line is append-only'); END;
CREATE TRIGGER gl_export_line_no_delete BEFORE DELETE ON gl_export_line
BEGIN SELECT RAISE(ABORT, 'gl_export_line is append-only'); END;
CREATE TRIGGER books_close_no_update BEFORE UPDATE ON books_close
BEGIN SELECT RAISE(ABORT, 'books_close is append-only'); END;
CREATE TRIGGER books_close_no_delete BEFORE DELETE ON books_close
BEGIN SELECT RAISE(ABORT, 'books_close is append-only'); END;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'gl_export', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'books_close', 1 FROM organisation;
