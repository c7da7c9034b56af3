-- Where a billing provider is paid, when not at its own address (the
-- 837P's pay-to address, loop 2010AB): the address as JSON by its fields
-- (settle_domain::address::PostalAddress), '' for none.
ALTER TABLE provider ADD COLUMN pay_to TEXT NOT NULL DEFAULT '';
