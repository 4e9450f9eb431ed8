-- Saved segments (their versioned JSON form, evaluated afresh each time) and consent records.
CREATE TABLE segments (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    definition JSONB NOT NULL,
    saved_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace, name)
);

CREATE TABLE consents (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    purpose TEXT NOT NULL,
    channel TEXT,
    granted BOOLEAN NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    source TEXT,
    proof TEXT,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX consents_contact ON consents (workspace, contact_id, purpose, at);
