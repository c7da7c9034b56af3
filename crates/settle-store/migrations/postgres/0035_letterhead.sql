-- What goes on paper a customer receives (statements, invoices): the name
-- and address at the top, where payments are mailed, the phone number for
-- questions, and how else to pay. Empty: the billing provider's name and
-- address, the claim-file contact phone, the usual ways to pay.
ALTER TABLE org_policy ADD COLUMN letterhead_name TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN letterhead_address TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN remit_to_address TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN billing_phone TEXT NOT NULL DEFAULT '';
ALTER TABLE org_policy ADD COLUMN payment_instructions TEXT NOT NULL DEFAULT '';
