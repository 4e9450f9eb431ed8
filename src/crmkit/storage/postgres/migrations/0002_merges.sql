CREATE TABLE merges (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    record JSONB NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    undone_at TIMESTAMPTZ,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX merges_survivor ON merges (workspace, survivor_id);
