-- What a payer needs beyond a claim's codes and charges (authorizations,
-- referring and ordering providers, accident facts, drugs, CLIA, notes,
-- attachments, consents), kept as the claim was entered: the claim's in
-- claim.facts, each line's in claim_line.facts, as JSON checked by
-- settle_domain::claim_facts before it is written.
ALTER TABLE claim ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
ALTER TABLE claim_line ADD COLUMN facts TEXT NOT NULL DEFAULT '{}';
