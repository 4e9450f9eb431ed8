-- Automation bookkeeping. A done action's idempotency key (rule:subject:date) is written in
-- the same transaction as the task or outbox message it produced, so a rerun, or a rerun
-- after a crash, finds the key exactly when the work exists.
CREATE TABLE automation_keys (
    workspace TEXT NOT NULL,
    key TEXT NOT NULL,
    rule TEXT NOT NULL,
    done_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, key)
) WITHOUT ROWID;

-- Messages automation queued for the application to send; acknowledged rows are deleted.
CREATE TABLE outbox (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    key TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX outbox_contact ON outbox (workspace, contact_id);

-- Round robin turns per team (who got the last task), so rotation survives restarts.
CREATE TABLE routing_state (
    workspace TEXT NOT NULL,
    team TEXT NOT NULL,
    last_assignee TEXT NOT NULL,
    PRIMARY KEY (workspace, team)
) WITHOUT ROWID;
