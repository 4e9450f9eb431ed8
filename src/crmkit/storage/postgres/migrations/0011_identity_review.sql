-- Fuzzy matching and the duplicate-review queue.
-- match_keys: the blocking keys of every contact (phonetic names, last 8 phone digits,
-- mailbox/handle letters, birthday combinations), written in the same transaction as the
-- contact, so candidate look-ups are one indexed range per key in every process.
-- Databases that had contacts before this migration: run CRM.rebuild_match_index() once.
CREATE TABLE match_keys (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    PRIMARY KEY (workspace, key, contact_id)
);

-- A new contact record() created although a likely (not confident) match existed.
CREATE TABLE review_items (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    candidate_ids JSONB NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    reasons JSONB NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    resolved_at TIMESTAMPTZ,
    merge_id TEXT,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX review_items_status ON review_items (workspace, status, created_at, id);

-- Which review items name a contact (as the new contact or a candidate): merges follow it.
CREATE TABLE review_links (
    workspace TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    review_id TEXT NOT NULL,
    PRIMARY KEY (workspace, contact_id, review_id)
);

-- Workspaces whose contacts predate the match keys: the storage indexes them in Python right
-- after migrating (SQL cannot compute the keys), claiming each row so it happens once.
CREATE TABLE match_keys_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO match_keys_pending (workspace) SELECT DISTINCT workspace FROM contacts;
