-- The service report's facts (crmkit.service.facts.CaseFacts): one row per case, written
-- beside the case in the generic record store on every change, so the report sums rows
-- instead of reading every case. Times and durations are microseconds since 1970 UTC; a
-- clock is 'running', 'met', 'breached' or NULL (no SLA policy). Keyed by opening time so
-- a period is one range of the key.
CREATE TABLE case_facts (
    workspace TEXT NOT NULL,
    case_id TEXT NOT NULL,
    opened_us INTEGER NOT NULL,
    reason TEXT NOT NULL,
    priority TEXT NOT NULL,
    assignee TEXT,
    first_response TEXT,
    first_response_due_us INTEGER,
    first_response_used_us INTEGER,
    resolution TEXT,
    resolution_due_us INTEGER,
    resolution_used_us INTEGER,
    score INTEGER,
    PRIMARY KEY (workspace, opened_us, case_id)
) WITHOUT ROWID;

-- SQLite aggregates by sorting: a report over most of a workspace's cases reads these
-- indexes in order instead (crmkit.storage.sql._service chooses by the period's share).
-- The first streams the groups; each of the others is the sorted values of one median
-- (a secondary index of this table also holds its key, so both cover their query).
CREATE INDEX case_facts_groups ON case_facts (
    workspace, reason, priority, assignee, opened_us, first_response, first_response_due_us,
    resolution, resolution_due_us, score, first_response_used_us, resolution_used_us
);
CREATE INDEX case_facts_fr_used ON case_facts (workspace, first_response_used_us)
    WHERE first_response_used_us IS NOT NULL;
CREATE INDEX case_facts_res_used ON case_facts (workspace, resolution_used_us)
    WHERE resolution_used_us IS NOT NULL;

-- Workspaces whose cases predate the facts: the storage writes their facts in Python right
-- after migrating (SQL cannot compute business time), claiming each row so it happens once.
CREATE TABLE case_facts_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO case_facts_pending (workspace)
SELECT DISTINCT workspace FROM records WHERE kind = 'cases';
