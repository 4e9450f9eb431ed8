-- Contacts, identities, tags and interactions. Every table is keyed by workspace first.
-- Timestamps are INTEGER microseconds since 1970-01-01 UTC; dates are ISO 'YYYY-MM-DD' text.
CREATE TABLE contacts (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    given_name TEXT,
    family_name TEXT,
    emails TEXT NOT NULL,
    phones TEXT NOT NULL,
    handles TEXT NOT NULL,
    region TEXT,
    city TEXT,
    address TEXT,
    postcode TEXT,
    birthday TEXT,
    organization_id TEXT,
    tags TEXT NOT NULL,
    custom TEXT NOT NULL,
    owner TEXT,
    lifecycle_stage TEXT,
    shared TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
) WITHOUT ROWID;

CREATE TABLE identities (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    shared INTEGER NOT NULL,
    PRIMARY KEY (workspace, key, contact_id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
-- The database, not only the code, keeps an unshared identity on one contact.
CREATE UNIQUE INDEX identities_exclusive ON identities (workspace, key) WHERE shared = 0;
CREATE INDEX identities_contact ON identities (workspace, contact_id);

CREATE TABLE contact_tags (
    workspace TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (workspace, tag, contact_id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX contact_tags_contact ON contact_tags (workspace, contact_id);

CREATE TABLE interactions (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    summary TEXT,
    body TEXT,
    handled_by TEXT,
    outcome TEXT,
    deal_id TEXT,
    task_id TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX interactions_timeline ON interactions (workspace, contact_id, occurred_at, id);
