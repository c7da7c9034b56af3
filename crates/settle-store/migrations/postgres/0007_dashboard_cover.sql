-- Covering indexes for the dashboard's scans: aging reads open balances by
-- due and issue date, cash per month reads payments by day, DSO reads
-- invoices by issue date; each answer comes from the index alone.
DROP INDEX open_item_open;
CREATE INDEX open_item_open ON open_item (org_id, currency, balance_minor, due_date, issue_date, account_id);
DROP INDEX payment_received;
CREATE INDEX payment_received ON payment (org_id, received_on, currency, status, amount_minor);
DROP INDEX invoice_issued;
CREATE INDEX invoice_issued ON invoice (org_id, issue_date, currency, status, total_minor);
