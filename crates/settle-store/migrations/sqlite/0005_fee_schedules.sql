-- Fee schedules: the charge master (what the practice charges) and each
-- payer's contracted allowed amounts, by procedure code, modifier and the
-- date they take effect.
CREATE TABLE fee_schedule_entry (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    schedule TEXT NOT NULL,
    procedure_code TEXT NOT NULL,
    modifier TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, schedule, procedure_code, modifier, effective_from),
    CHECK (amount_minor > 0)
);
