-- The contact gate by construction (issue 18).

-- A contact that broke a gate rule, recorded as what happened: the rules it
-- broke (ids, comma separated); '' when it broke none.
ALTER TABLE contact_attempt ADD COLUMN violation TEXT NOT NULL DEFAULT '';

-- The phones, emails and addresses that are the person's workplace: the
-- gate's work rule (12 CFR 1006.6(b)(3)) applies to them without being told.
ALTER TABLE collection_profile ADD COLUMN work_addresses TEXT NOT NULL DEFAULT '';

-- Whose debt it is (12 CFR 1006.34(c)(2)(iii)-(vi)): the creditor to whom
-- it is owed now, the creditor as of the itemization date, and that
-- creditor's account number; blank for a creditor collecting its own.
ALTER TABLE collection_profile ADD COLUMN current_creditor TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_profile ADD COLUMN itemization_creditor TEXT NOT NULL DEFAULT '';
ALTER TABLE collection_profile ADD COLUMN creditor_account_number TEXT NOT NULL DEFAULT '';

-- The collection profile as it stood: a version each time it changes, so
-- `settle collections verify` asks the gate with the facts of each contact's
-- moment, not today's.
CREATE TABLE collection_profile_version (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    stated_zone TEXT NOT NULL,
    cease_requested_at TEXT,
    attorney_name TEXT NOT NULL,
    attorney_phone TEXT NOT NULL,
    no_contact_at_work BIGINT NOT NULL,
    inconvenient TEXT NOT NULL,
    opt_outs TEXT NOT NULL,
    validation_sent_on TEXT,
    late_fees_allowed BIGINT NOT NULL,
    bankruptcy_on TEXT,
    deceased_on TEXT,
    insurance_pending BIGINT NOT NULL,
    work_addresses TEXT NOT NULL,
    current_creditor TEXT NOT NULL,
    itemization_creditor TEXT NOT NULL,
    creditor_account_number TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id, seq)
);
INSERT INTO collection_profile_version (org_id, account_id, seq, recorded_at, stated_zone, cease_requested_at, attorney_name,
    attorney_phone, no_contact_at_work, inconvenient, opt_outs, validation_sent_on, late_fees_allowed, bankruptcy_on, deceased_on,
    insurance_pending, work_addresses, current_creditor, itemization_creditor, creditor_account_number)
SELECT org_id, account_id, 1, updated_at, stated_zone, cease_requested_at, attorney_name, attorney_phone, no_contact_at_work,
    inconvenient, opt_outs, validation_sent_on, late_fees_allowed, bankruptcy_on, deceased_on, insurance_pending, work_addresses,
    current_creditor, itemization_creditor, creditor_account_number
FROM collection_profile;

-- Every collection email carries a link to opt out (12 CFR 1006.6(e)); the
-- token names the email, and through it the account and the address.
ALTER TABLE email_outbox ADD COLUMN opt_out_token TEXT NOT NULL DEFAULT '';
-- The gate's answer when the outbox asked again at delivery.
ALTER TABLE email_outbox ADD COLUMN decision_id BIGINT;

-- Where a person of unknown location may be: the fifty states' zones (0),
-- or the territories' too (1), for a book that reaches them.
ALTER TABLE collection_policy ADD COLUMN territories_when_unknown BIGINT NOT NULL DEFAULT 0;

-- The collection policy as it stood (debt collector or creditor, and a
-- creditor's rules): a version each time it changes, for the same replay.
CREATE TABLE collection_policy_version (
    org_id BIGINT NOT NULL,
    seq BIGINT NOT NULL,
    recorded_at TEXT NOT NULL,
    third_party BIGINT NOT NULL,
    first_party_rules TEXT NOT NULL,
    territories_when_unknown BIGINT NOT NULL,
    PRIMARY KEY (org_id, seq)
);
INSERT INTO collection_policy_version (org_id, seq, recorded_at, third_party, first_party_rules, territories_when_unknown)
SELECT org_id, 1, updated_at, third_party, first_party_rules, territories_when_unknown FROM collection_policy;

-- A written request for the original creditor's name and address (12 CFR
-- 1006.38(c)) halts collection like a dispute until the answer is sent:
-- kept beside disputes, told apart by kind.
ALTER TABLE dispute ADD COLUMN kind TEXT NOT NULL DEFAULT 'dispute';
