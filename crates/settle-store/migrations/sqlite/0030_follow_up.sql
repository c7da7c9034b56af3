-- Insurance follow-up: the business day a claim last went to its payer
-- (the list counts from it; claims sent before this kept the day of their
-- first submission event), each call to a payer about a claim (the day, the
-- payer's reference, who answered, what was said, when to look again),
-- and each claim's follow-up date and the person who works it.
CREATE TABLE payer_call (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    called_on TEXT NOT NULL,
    reference TEXT NOT NULL,
    rep TEXT NOT NULL,
    said TEXT NOT NULL,
    next_on TEXT,
    actor TEXT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (org_id, claim_id, seq),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id)
);

CREATE TABLE claim_follow_up (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    next_on TEXT,
    assigned_to TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, claim_id),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id)
);

ALTER TABLE claim ADD COLUMN submitted_on TEXT;
UPDATE claim SET submitted_on = (SELECT SUBSTR(MIN(e.at), 1, 10) FROM claim_event e
    WHERE e.org_id = claim.org_id AND e.claim_id = claim.claim_id AND e.status = 'submitted');
