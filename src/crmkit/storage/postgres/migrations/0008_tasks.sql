-- Users and tasks. A task's full value (notes, delegation chain, recurrence) is JSON; the
-- columns queries filter on are kept beside it and indexed.
CREATE TABLE users (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    active BOOLEAN NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE tasks (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    assignee TEXT NOT NULL,
    status TEXT NOT NULL,
    team TEXT,
    due TIMESTAMPTZ,
    contact_id TEXT,
    deal_id TEXT,
    completed_at TIMESTAMPTZ,
    version INTEGER NOT NULL,
    data JSONB NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX tasks_assignee ON tasks (workspace, assignee, status, due);
-- Partial indexes over the open tasks only: "what is overdue / due today for this person"
-- reads one short range in due order, however many finished tasks the workspace keeps.
CREATE INDEX tasks_open_assignee ON tasks (workspace, assignee, due)
    WHERE status IN ('open', 'in_progress');
CREATE INDEX tasks_open_due ON tasks (workspace, due) WHERE status IN ('open', 'in_progress');
CREATE INDEX tasks_team ON tasks (workspace, team, status);
CREATE INDEX tasks_contact ON tasks (workspace, contact_id);
