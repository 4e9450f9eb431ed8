-- Each contact's lifecycle steps (subscriber -> lead -> ... -> customer, or an exit), with
-- reasons, so that cleaning a marketing list can be measured.
CREATE TABLE lifecycle_changes (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at INTEGER NOT NULL,
    by_user TEXT,
    reason TEXT,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX lifecycle_changes_contact ON lifecycle_changes (workspace, contact_id, at);
