-- Settle schema, shared text of the SQLite and PostgreSQL migrations.
-- Every table's key starts with org_id. Dates are ISO 8601 text
-- (YYYY-MM-DD), which sorts and compares correctly on both engines; money is
-- BIGINT minor units with its currency code beside it.

CREATE TABLE organisation (
    org_id BIGINT NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    base_currency TEXT NOT NULL,
    aging_buckets TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE counter (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    name TEXT NOT NULL,
    next_value BIGINT NOT NULL,
    PRIMARY KEY (org_id, name)
);

CREATE TABLE gl_account (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    PRIMARY KEY (org_id, code)
);

CREATE TABLE party (
    org_id BIGINT NOT NULL REFERENCES organisation (org_id),
    party_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    date_of_birth TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, party_id)
);

-- Addresses, phones and emails with history: a change ends the old row
-- (valid_to) and adds a new one.
CREATE TABLE party_contact (
    org_id BIGINT NOT NULL,
    contact_id BIGINT NOT NULL,
    party_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    label TEXT NOT NULL,
    value TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_to TEXT,
    PRIMARY KEY (org_id, contact_id),
    FOREIGN KEY (org_id, party_id) REFERENCES party (org_id, party_id)
);
CREATE INDEX party_contact_party ON party_contact (org_id, party_id);

-- balance_minor (sum of open item balances) and credit_minor (unapplied
-- credit) are caches of the journal, kept in the same transaction as every
-- entry and checked by `settle verify`.
CREATE TABLE account (
    org_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    account_number TEXT NOT NULL,
    party_id BIGINT NOT NULL,
    ar_kind TEXT NOT NULL,
    currency TEXT NOT NULL,
    status TEXT NOT NULL,
    payment_terms TEXT NOT NULL,
    opened_on TEXT NOT NULL,
    balance_minor BIGINT NOT NULL,
    credit_minor BIGINT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, account_id),
    UNIQUE (org_id, account_number),
    FOREIGN KEY (org_id, party_id) REFERENCES party (org_id, party_id),
    CHECK (credit_minor >= 0)
);

CREATE TABLE journal_entry (
    org_id BIGINT NOT NULL,
    entry_id BIGINT NOT NULL,
    kind TEXT NOT NULL,
    effective_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    account_id BIGINT,
    memo TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, entry_id)
);
CREATE INDEX journal_entry_account ON journal_entry (org_id, account_id);
CREATE INDEX journal_entry_date ON journal_entry (org_id, effective_date);

CREATE TABLE invoice (
    org_id BIGINT NOT NULL,
    invoice_id BIGINT NOT NULL,
    invoice_number TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    status TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    terms TEXT NOT NULL,
    currency TEXT NOT NULL,
    subtotal_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    total_minor BIGINT NOT NULL,
    memo TEXT NOT NULL,
    item_id BIGINT,
    entry_id BIGINT,
    void_entry_id BIGINT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, invoice_id),
    UNIQUE (org_id, invoice_number),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);
CREATE INDEX invoice_account ON invoice (org_id, account_id);

CREATE TABLE invoice_line (
    org_id BIGINT NOT NULL,
    invoice_id BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    item_code TEXT NOT NULL,
    description TEXT NOT NULL,
    quantity TEXT NOT NULL,
    unit_price_minor BIGINT NOT NULL,
    tax_rate TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    tax_minor BIGINT NOT NULL,
    PRIMARY KEY (org_id, invoice_id, line_no),
    FOREIGN KEY (org_id, invoice_id) REFERENCES invoice (org_id, invoice_id)
);

-- An open item is one charge: an issued invoice, a fee, or a returned
-- payment billed again. Its balance never leaves [0, amount].
CREATE TABLE open_item (
    org_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    reference TEXT NOT NULL,
    kind TEXT NOT NULL,
    invoice_id BIGINT,
    description TEXT NOT NULL,
    issue_date TEXT NOT NULL,
    due_date TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    balance_minor BIGINT NOT NULL,
    written_off BIGINT NOT NULL,
    status TEXT NOT NULL,
    PRIMARY KEY (org_id, item_id),
    UNIQUE (org_id, reference),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id),
    CHECK (balance_minor >= 0 AND balance_minor <= amount_minor)
);
CREATE INDEX open_item_account ON open_item (org_id, account_id, due_date);

-- Signed postings: debit positive, credit negative. effective_date is the
-- entry's, repeated so that "as of" reports read one table.
CREATE TABLE posting (
    org_id BIGINT NOT NULL,
    entry_id BIGINT NOT NULL,
    line_no BIGINT NOT NULL,
    gl_code TEXT NOT NULL,
    account_id BIGINT,
    item_id BIGINT,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    effective_date TEXT NOT NULL,
    PRIMARY KEY (org_id, entry_id, line_no),
    FOREIGN KEY (org_id, entry_id) REFERENCES journal_entry (org_id, entry_id),
    FOREIGN KEY (org_id, gl_code) REFERENCES gl_account (org_id, code)
);
CREATE INDEX posting_item ON posting (org_id, item_id);
CREATE INDEX posting_account ON posting (org_id, account_id);

CREATE TABLE payment (
    org_id BIGINT NOT NULL,
    payment_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT NOT NULL,
    received_on TEXT NOT NULL,
    currency TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    unapplied_minor BIGINT NOT NULL,
    status TEXT NOT NULL,
    entry_id BIGINT NOT NULL,
    reversal_entry_id BIGINT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, payment_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);
CREATE INDEX payment_account ON payment (org_id, account_id);

-- Money applied to an item: from a payment, from the account's credit, or
-- from a credit note; a reversal adds the same rows negated.
CREATE TABLE allocation (
    org_id BIGINT NOT NULL,
    allocation_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    source TEXT NOT NULL,
    payment_id BIGINT,
    credit_note_id BIGINT,
    amount_minor BIGINT NOT NULL,
    effective_date TEXT NOT NULL,
    entry_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, allocation_id),
    FOREIGN KEY (org_id, item_id) REFERENCES open_item (org_id, item_id)
);
CREATE INDEX allocation_payment ON allocation (org_id, payment_id);
CREATE INDEX allocation_item ON allocation (org_id, item_id);

CREATE TABLE adjustment (
    org_id BIGINT NOT NULL,
    adjustment_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    item_id BIGINT NOT NULL,
    reason TEXT NOT NULL,
    amount_minor BIGINT NOT NULL,
    effective_date TEXT NOT NULL,
    memo TEXT NOT NULL,
    entry_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, adjustment_id),
    FOREIGN KEY (org_id, item_id) REFERENCES open_item (org_id, item_id)
);

CREATE TABLE credit_note (
    org_id BIGINT NOT NULL,
    credit_note_id BIGINT NOT NULL,
    credit_note_number TEXT NOT NULL,
    account_id BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    issue_date TEXT NOT NULL,
    memo TEXT NOT NULL,
    entry_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, credit_note_id),
    UNIQUE (org_id, credit_note_number),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);

CREATE TABLE refund (
    org_id BIGINT NOT NULL,
    refund_id BIGINT NOT NULL,
    account_id BIGINT NOT NULL,
    amount_minor BIGINT NOT NULL,
    method TEXT NOT NULL,
    reference TEXT NOT NULL,
    refund_date TEXT NOT NULL,
    entry_id BIGINT NOT NULL,
    PRIMARY KEY (org_id, refund_id),
    FOREIGN KEY (org_id, account_id) REFERENCES account (org_id, account_id)
);

-- A write command's key, a hash of its request, and the response it gave.
CREATE TABLE idempotency_key (
    org_id BIGINT NOT NULL,
    idem_key TEXT NOT NULL,
    request_sha256 TEXT NOT NULL,
    response TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (org_id, idem_key)
);
