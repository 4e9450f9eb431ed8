CREATE TABLE organizations (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    legal_form TEXT,
    tax_id TEXT,
    vat_id TEXT,
    domain TEXT,
    industry TEXT,
    country TEXT,
    custom JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    version INTEGER NOT NULL,
    PRIMARY KEY (workspace, id)
);
CREATE INDEX organizations_domain ON organizations (workspace, domain);
CREATE INDEX contacts_organization ON contacts (workspace, organization_id);
