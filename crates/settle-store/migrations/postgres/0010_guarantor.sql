-- A patient's guarantor: the person responsible for the bill when it is
-- not the patient (a parent, a spouse), with their own contacts.
ALTER TABLE account ADD COLUMN guarantor_party_id BIGINT;
ALTER TABLE account ADD COLUMN guarantor_relationship TEXT NOT NULL DEFAULT '';
