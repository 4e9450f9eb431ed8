-- Pipelines, deals and every stage change (the history reports are computed from).
CREATE TABLE pipelines (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    stages JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
);

CREATE TABLE deals (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    title TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    currency TEXT NOT NULL,
    stage TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL,
    contact_id TEXT,
    organization_id TEXT,
    owner TEXT,
    expected_close DATE,
    closed_at TIMESTAMPTZ,
    lost_reason TEXT,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, pipeline_id) REFERENCES pipelines (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX deals_pipeline ON deals (workspace, pipeline_id, status, stage);
CREATE INDEX deals_contact ON deals (workspace, contact_id);

CREATE TABLE stage_changes (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    deal_id TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    from_stage TEXT,
    to_stage TEXT NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    by_user TEXT,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, deal_id) REFERENCES deals (workspace, id)
);
CREATE INDEX stage_changes_deal ON stage_changes (workspace, deal_id, at);
CREATE INDEX stage_changes_pipeline ON stage_changes (workspace, pipeline_id, at);
