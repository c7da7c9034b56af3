-- A secondary claim names the primary claim whose adjudication it carries
-- (837P loops 2320 and 2430) and whose patient share it bills.
ALTER TABLE claim ADD COLUMN primary_claim_id BIGINT;
CREATE INDEX claim_primary ON claim (org_id, primary_claim_id);
