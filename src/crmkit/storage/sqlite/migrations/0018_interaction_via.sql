-- The identity key (email:<address>, handle:<channel>:<handle>, ...) that crm.record found an
-- interaction's contact by, so that undoing a merge sends an interaction that came in on the
-- merged contact's identity back with it. NULL for interactions logged directly and for rows
-- written before this migration. Erased with the interaction.
ALTER TABLE interactions ADD COLUMN via TEXT;
