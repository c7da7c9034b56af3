-- Whether the organisation bills insurance: a practice does (claims, ERAs,
-- eligibility, follow-up); a business selling on invoices does not, and its
-- pages then show no Claims menu or claim tiles. NULL: yes.
ALTER TABLE org_policy ADD COLUMN bills_insurance BIGINT;
