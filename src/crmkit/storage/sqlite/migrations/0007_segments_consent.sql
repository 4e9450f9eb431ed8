-- Saved segments (their versioned JSON form, evaluated afresh each time) and consent records.
CREATE TABLE segments (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    definition TEXT NOT NULL,
    saved_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, name)
) WITHOUT ROWID;

CREATE TABLE consents (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    channel TEXT,
    granted INTEGER NOT NULL,
    at INTEGER NOT NULL,
    source TEXT,
    proof TEXT,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX consents_contact ON consents (workspace, contact_id, purpose, at);
