-- People's names in the parts a claim carries them: last, first, middle
-- and suffix, for every person on an account (patients, guarantors,
-- customers) and every subscriber on a coverage. `name` and
-- `subscriber_name` keep the name as one line, for display and search.
-- Names written before this migration are read into their parts when the
-- store opens; one that cannot be read without a person looking keeps NULL
-- parts and says why in `name_unread` (`subscriber_unread`), and
-- `settle account unread-names` lists it. A company's name has no parts.
ALTER TABLE party ADD COLUMN last_name TEXT;
ALTER TABLE party ADD COLUMN first_name TEXT;
ALTER TABLE party ADD COLUMN middle_name TEXT;
ALTER TABLE party ADD COLUMN name_suffix TEXT;
ALTER TABLE party ADD COLUMN name_unread TEXT;

ALTER TABLE coverage ADD COLUMN subscriber_last TEXT;
ALTER TABLE coverage ADD COLUMN subscriber_first TEXT;
ALTER TABLE coverage ADD COLUMN subscriber_middle TEXT;
ALTER TABLE coverage ADD COLUMN subscriber_suffix TEXT;
ALTER TABLE coverage ADD COLUMN subscriber_unread TEXT;
