-- The service report's facts (crmkit.service.facts.CaseFacts): one row per case, written
-- beside the case in the generic record store on every change, so the report sums rows
-- instead of reading every case. Times and durations are microseconds since 1970 UTC; a
-- clock is 'running', 'met', 'breached' or NULL (no SLA policy). Keyed by opening time so
-- a period is one range of the key.
CREATE TABLE case_facts (
    workspace TEXT NOT NULL,
    case_id TEXT NOT NULL,
    opened_us BIGINT NOT NULL,
    reason TEXT NOT NULL,
    priority TEXT NOT NULL,
    assignee TEXT,
    first_response TEXT,
    first_response_due_us BIGINT,
    first_response_used_us BIGINT,
    resolution TEXT,
    resolution_due_us BIGINT,
    resolution_used_us BIGINT,
    score INTEGER,
    PRIMARY KEY (workspace, opened_us, case_id)
);

-- Workspaces whose cases predate the facts: the storage writes their facts in Python right
-- after migrating (SQL cannot compute business time), claiming each row so it happens once.
CREATE TABLE case_facts_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO case_facts_pending (workspace)
SELECT DISTINCT workspace FROM records WHERE kind = 'cases';
