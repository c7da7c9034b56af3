-- A claim line's open item said "2026-09-22 99214 for Omar Kowalski": its
-- procedure code reached every role that reads items (aging, statements,
-- letters, the account page). Descriptions are now clinical-free; the code
-- stays on claim_line, which only clinical.read reaches.
UPDATE open_item SET description = issue_date || ' service' || substr(description, instr(description, ' for '))
WHERE kind = 'claim' AND instr(description, ' for ') > 0;
UPDATE open_item SET description = issue_date || ' service'
WHERE kind = 'claim' AND instr(description, ' for ') = 0;
