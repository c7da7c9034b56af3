-- A billing specialist may pay credit back up to the organisation's refund
-- limit (NULL: the default, 100.00 in its currency); above it the refund
-- waits in the approval queue beside held write-offs, and approving it pays
-- it (refund_id). Coordinators and admins refund any amount the credit allows.
ALTER TABLE org_policy ADD COLUMN refund_approval_minor BIGINT;
ALTER TABLE approval ADD COLUMN refund_id BIGINT;
