-- Postal addresses as fields (street lines, city, state, ZIP, country)
-- wherever an address is kept: a person's (party_contact rows of kind
-- 'address'), a payer's and a provider's. `value`/`address` keeps the
-- text as written. Rows written before this migration are read into the
-- fields when the store opens; text that cannot be read keeps NULL fields
-- and says why in `unread`, and `settle account unread-addresses` lists it.
ALTER TABLE party_contact ADD COLUMN line1 TEXT;
ALTER TABLE party_contact ADD COLUMN line2 TEXT;
ALTER TABLE party_contact ADD COLUMN city TEXT;
ALTER TABLE party_contact ADD COLUMN state TEXT;
ALTER TABLE party_contact ADD COLUMN postal_code TEXT;
ALTER TABLE party_contact ADD COLUMN country TEXT;
ALTER TABLE party_contact ADD COLUMN unread TEXT;

ALTER TABLE payer ADD COLUMN line1 TEXT;
ALTER TABLE payer ADD COLUMN line2 TEXT;
ALTER TABLE payer ADD COLUMN city TEXT;
ALTER TABLE payer ADD COLUMN state TEXT;
ALTER TABLE payer ADD COLUMN postal_code TEXT;
ALTER TABLE payer ADD COLUMN country TEXT;
ALTER TABLE payer ADD COLUMN unread TEXT;

ALTER TABLE provider ADD COLUMN line1 TEXT;
ALTER TABLE provider ADD COLUMN line2 TEXT;
ALTER TABLE provider ADD COLUMN city TEXT;
ALTER TABLE provider ADD COLUMN state TEXT;
ALTER TABLE provider ADD COLUMN postal_code TEXT;
ALTER TABLE provider ADD COLUMN country TEXT;
ALTER TABLE provider ADD COLUMN unread TEXT;

-- The rows still to read, found without a scan once they are read.
CREATE INDEX party_contact_to_read ON party_contact (org_id, contact_id) WHERE kind = 'address' AND line1 IS NULL AND unread IS NULL;
