-- Erasure: the workspace's salt for suppression markers, the markers (salted hashes of an
-- erased person's identities, nothing readable), the erasure records, and the ledger entries
-- kept for the accounts, detached from the person (erasure_id is a pseudonym; no note).
CREATE TABLE suppression_keys (
    workspace TEXT NOT NULL,
    salt TEXT NOT NULL,
    key_check TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace)
);

CREATE TABLE suppressions (
    workspace TEXT NOT NULL,
    marker TEXT NOT NULL,
    erasure_id TEXT NOT NULL,
    PRIMARY KEY (workspace, marker)
);

CREATE TABLE erasures (
    workspace TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    erasure_id TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    record JSONB NOT NULL,
    PRIMARY KEY (workspace, contact_id)
);
CREATE INDEX erasures_at ON erasures (workspace, at, erasure_id);

CREATE TABLE erased_transactions (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    erasure_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    currency CHAR(3) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    order_id TEXT,
    lines JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX erased_transactions_erasure
    ON erased_transactions (workspace, erasure_id, occurred_at, id);

-- An erasure scrubs every merge its contact took part in, as survivor or as merged.
CREATE INDEX merges_merged ON merges (workspace, merged_id);

-- Static lists and their membership history (additions and removals, who and when).
CREATE TABLE contact_lists (
    workspace TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_by TEXT,
    segment JSONB,
    PRIMARY KEY (workspace, name)
);

CREATE TABLE list_changes (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    list_name TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    added BOOLEAN NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    by TEXT,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, list_name) REFERENCES contact_lists (workspace, name),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX list_changes_list ON list_changes (workspace, list_name, at, id);
CREATE INDEX list_changes_contact ON list_changes (workspace, contact_id);
