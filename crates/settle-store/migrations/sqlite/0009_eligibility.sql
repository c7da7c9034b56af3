-- Eligibility checks: each 270 asked about a coverage, and what the 271
-- answered. A coverage's latest answer is its eligibility.
CREATE TABLE coverage_eligibility (
    org_id BIGINT NOT NULL,
    check_id BIGINT NOT NULL,
    coverage_key BIGINT NOT NULL,
    trace TEXT NOT NULL,
    service_date TEXT NOT NULL,
    asked_file_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    answered_at TEXT,
    plan_name TEXT NOT NULL,
    plan_begin TEXT,
    plan_end TEXT,
    copay_minor BIGINT,
    coinsurance TEXT,
    deductible_minor BIGINT,
    deductible_remaining_minor BIGINT,
    message TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, check_id),
    UNIQUE (org_id, trace),
    FOREIGN KEY (org_id, coverage_key) REFERENCES coverage (org_id, coverage_key)
);
CREATE INDEX coverage_eligibility_coverage ON coverage_eligibility (org_id, coverage_key, check_id);

INSERT INTO counter (org_id, name, next_value) SELECT org_id, 'eligibility', 1 FROM organisation;
