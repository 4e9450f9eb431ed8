-- Ids of each contact in other systems, as a JSON list of [system or null, id] pairs. Each is
-- also an identity key (external:<system>:<id>) in the identities table, unique per workspace
-- like an email, so no table of its own is needed.
ALTER TABLE contacts ADD COLUMN external_ids JSONB NOT NULL DEFAULT '[]'::jsonb;
