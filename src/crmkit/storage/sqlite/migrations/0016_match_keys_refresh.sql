-- Names in Persian script with ه after z, k, g or p, and names with doubled Cyrillic letters,
-- read differently in crmkit.text.match_form from this version on, and so do their blocking
-- keys: every workspace's keys are rebuilt in Python right after migrating.
INSERT INTO match_keys_pending (workspace)
SELECT DISTINCT workspace FROM contacts
WHERE workspace NOT IN (SELECT workspace FROM match_keys_pending);
