-- More handles on a network that already has one in `handles` (a merge of two contacts with
-- an Instagram account each keeps both), as a JSON list of [channel, handle] pairs. Each is
-- also an identity key (handle:<channel>:<handle>) in the identities table, so no table of its
-- own is needed; rows written before this migration read back with none.
ALTER TABLE contacts ADD COLUMN extra_handles JSONB NOT NULL DEFAULT '[]'::jsonb;
