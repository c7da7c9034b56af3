-- Claims: a visit's coded charges, billed to a payer as a professional
-- claim (837P), with the scrubber's findings, the status history, and the
-- batches (interchanges) each claim went out in.

-- The patient's sex as the 837P's DMG03 takes it: F, M or U (unknown).
ALTER TABLE party ADD COLUMN sex TEXT NOT NULL DEFAULT 'U';

-- Each payer's receivable: an account of kind insurance, made when the
-- payer's first claim is charged. Claims' lines are open items on it.
ALTER TABLE payer ADD COLUMN account_id BIGINT;

-- How the organisation identifies itself in the X12 it sends, and the
-- scrubber rules it has turned off (space-separated rule ids).
ALTER TABLE org_policy ADD COLUMN x12_submitter_id TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN x12_contact_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN scrub_rules_off TEXT NOT NULL DEFAULT '';

CREATE TABLE claim (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    claim_number TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    payer_key BIGINT NOT NULL,
    coverage_key BIGINT NOT NULL,
    billing_provider_key BIGINT NOT NULL,
    rendering_provider_key BIGINT,
    place_of_service TEXT NOT NULL,
    frequency TEXT NOT NULL,
    replaces_claim_id BIGINT,
    payer_claim_number TEXT NOT NULL,
    diagnoses TEXT NOT NULL,
    currency TEXT NOT NULL,
    total_minor BIGINT NOT NULL,
    status TEXT NOT NULL,
    status_reason TEXT NOT NULL,
    findings TEXT NOT NULL,
    scrubbed_on TEXT,
    charged_entry_id BIGINT,
    batch_id BIGINT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (org_id, claim_id),
    UNIQUE (org_id, claim_number),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    FOREIGN KEY (org_id, payer_key) REFERENCES payer (org_id, payer_key),
    FOREIGN KEY (org_id, coverage_key) REFERENCES coverage (org_id, coverage_key),
    CHECK (total_minor >= 0)
);
CREATE INDEX claim_account ON claim (org_id, account_id, claim_id);
CREATE INDEX claim_status ON claim (org_id, status, payer_key, claim_id);
CREATE INDEX claim_batch ON claim (org_id, batch_id);

-- item_id: the line's open item on the payer's account once charged.
CREATE TABLE claim_line (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    date_of_service TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifiers TEXT NOT NULL,
    diagnosis_pointers TEXT NOT NULL,
    units BIGINT NOT NULL,
    charge_minor BIGINT NOT NULL,
    place_of_service TEXT,
    item_id BIGINT,
    PRIMARY KEY (org_id, claim_id, line_no),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id)
);
CREATE INDEX claim_line_duplicate ON claim_line (org_id, date_of_service, procedure_code);

-- Every status a claim has had, and why: never edited.
CREATE TABLE claim_event (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (org_id, claim_id, seq),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id)
);

-- One X12 interchange sent or received: 837P batches out, 999 and 277CA
-- in. The file is kept as it was.
CREATE TABLE x12_file (
    org_id BIGINT NOT NULL,
    file_id BIGINT NOT NULL,
    direction TEXT NOT NULL,
    kind TEXT NOT NULL,
    payer_key BIGINT,
    interchange_control BIGINT NOT NULL,
    group_control BIGINT NOT NULL,
    claim_count BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    body TEXT NOT NULL,
    summary TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, file_id)
);
CREATE INDEX x12_file_group ON x12_file (org_id, direction, group_control);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'claim', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'x12_file', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'x12_control', 1 FROM organisation;
