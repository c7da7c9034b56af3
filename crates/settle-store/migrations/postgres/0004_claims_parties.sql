-- Who claims go to and who renders care: payers, providers, and each
-- patient account's insurance coverages.

CREATE TABLE payer (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    payer_key BIGINT NOT NULL,
    payer_code TEXT NOT NULL,
    name TEXT NOT NULL,
    filing_indicator TEXT NOT NULL,
    timely_filing_days BIGINT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, payer_key),
    UNIQUE (org_id, payer_code)
);

CREATE TABLE provider (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    provider_key BIGINT NOT NULL,
    npi TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    taxonomy TEXT NOT NULL,
    tax_id TEXT NOT NULL,
    address TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, provider_key),
    UNIQUE (org_id, npi)
);

CREATE TABLE coverage (
    org_id BIGINT NOT NULL,
    coverage_key BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    payer_key BIGINT NOT NULL,
    member_id TEXT NOT NULL,
    group_number TEXT NOT NULL,
    subscriber_name TEXT NOT NULL,
    relationship TEXT NOT NULL,
    priority TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    effective_to TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, coverage_key),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    FOREIGN KEY (org_id, payer_key) REFERENCES payer (org_id, payer_key)
);
CREATE INDEX coverage_account ON coverage (org_id, account_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'payer', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'provider', 1 FROM organisation;
INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'coverage', 1 FROM organisation;
