-- An organisation's own payer rules (settle_domain::payer_rules): who
-- requires what for which services, kept as the CSV they are imported and
-- exported as, one row a rule in file order. Settle's built-in rules are
-- data in the binary; these are added to them. An import replaces the
-- whole set in one transaction, or nothing.
CREATE TABLE payer_rule (
    org_id BIGINT NOT NULL,
    rule_no BIGINT NOT NULL,
    scope TEXT NOT NULL,
    requires TEXT NOT NULL,
    procedures TEXT NOT NULL,
    places TEXT NOT NULL,
    diagnoses TEXT NOT NULL,
    level TEXT NOT NULL,
    why TEXT NOT NULL,
    PRIMARY KEY (org_id, rule_no),
    FOREIGN KEY (org_id) REFERENCES organisation (org_id)
);
