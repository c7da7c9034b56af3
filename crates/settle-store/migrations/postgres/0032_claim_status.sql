-- Claim status (276/277, 005010X212): each status a payer gave a claim in a
-- 277 (the category and status codes, the entity, the kind of answer and
-- its words, the day it took effect, the file it came in), kept once: the
-- same answer read again is recognised by its key and changes nothing.
CREATE TABLE claim_status_answer (
    org_id BIGINT NOT NULL,
    claim_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    effective_on TEXT NOT NULL,
    category TEXT NOT NULL,
    status_code TEXT NOT NULL,
    entity TEXT NOT NULL,
    answer TEXT NOT NULL,
    words TEXT NOT NULL,
    file_id BIGINT NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (org_id, claim_id, seq),
    UNIQUE (org_id, claim_id, effective_on, category, status_code, entity),
    FOREIGN KEY (org_id, claim_id) REFERENCES claim (org_id, claim_id)
);
