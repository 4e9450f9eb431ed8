-- The merge ledger: enough to undo a merge exactly (both contacts as they were, and the ids
-- of every record moved, per repository).
CREATE TABLE merges (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    survivor_id TEXT NOT NULL,
    merged_id TEXT NOT NULL,
    record TEXT NOT NULL,
    at INTEGER NOT NULL,
    undone_at INTEGER,
    PRIMARY KEY (workspace, id)
) WITHOUT ROWID;
CREATE INDEX merges_survivor ON merges (workspace, survivor_id);
