-- Contacts, identities, tags and interactions. Every key starts with workspace: it is the
-- distribution column when the database is sharded by workspace (e.g. Citus).
CREATE TABLE contacts (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT,
    given_name TEXT,
    family_name TEXT,
    emails JSONB NOT NULL,
    phones JSONB NOT NULL,
    handles JSONB NOT NULL,
    region TEXT,
    city TEXT,
    address TEXT,
    postcode TEXT,
    birthday DATE,
    organization_id TEXT,
    tags JSONB NOT NULL,
    custom JSONB NOT NULL,
    owner TEXT,
    lifecycle_stage TEXT,
    shared JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE identities (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    shared BOOLEAN NOT NULL,
    PRIMARY KEY (workspace, key, contact_id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
-- The database, not only the code, keeps an unshared identity on one contact: N workers
-- recording the same new phone at once create exactly one contact.
CREATE UNIQUE INDEX identities_exclusive ON identities (workspace, key) WHERE NOT shared;
CREATE INDEX identities_contact ON identities (workspace, contact_id);

CREATE TABLE contact_tags (
    workspace TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    tag TEXT NOT NULL,
    PRIMARY KEY (workspace, tag, contact_id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX contact_tags_contact ON contact_tags (workspace, contact_id);

CREATE TABLE interactions (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    channel TEXT NOT NULL,
    direction TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    summary TEXT,
    body TEXT,
    handled_by TEXT,
    outcome TEXT,
    deal_id TEXT,
    task_id TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX interactions_timeline ON interactions (workspace, contact_id, occurred_at, id);
