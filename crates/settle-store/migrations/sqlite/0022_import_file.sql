-- Every file a bulk import applied, by its content's SHA-256: the same file
-- is refused the second time unless forced (and then kept again, forced).
CREATE TABLE import_file (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    kind TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    file_name TEXT NOT NULL,
    commands BIGINT NOT NULL,
    forced BIGINT NOT NULL,
    PRIMARY KEY (org_id, kind, sha256, imported_at)
);
