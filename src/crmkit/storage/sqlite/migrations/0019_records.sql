-- The generic record store (crmkit.storage.records): every kind a capability declares
-- (service cases, products, coupons, ...) lives here, so a new kind needs no new table.
-- body is the kind's JSON; key_values repeats the look-up values record_keys indexes.
CREATE TABLE records (
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT,
    version INTEGER NOT NULL,
    body TEXT NOT NULL,
    key_values TEXT NOT NULL,
    PRIMARY KEY (workspace, kind, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX records_contact ON records (workspace, kind, contact_id) WHERE contact_id IS NOT NULL;

-- One row per (record, key name): equality and range look-ups are one index range; a
-- kind's unique keys (a coupon code) are unique per workspace and kind.
CREATE TABLE record_keys (
    workspace TEXT NOT NULL,
    kind TEXT NOT NULL,
    name TEXT NOT NULL,
    record_id TEXT NOT NULL,
    value TEXT NOT NULL,
    is_unique INTEGER NOT NULL,
    PRIMARY KEY (workspace, kind, name, record_id),
    FOREIGN KEY (workspace, kind, record_id) REFERENCES records (workspace, kind, id)
) WITHOUT ROWID;
CREATE INDEX record_keys_value ON record_keys (workspace, kind, name, value, record_id);
CREATE UNIQUE INDEX record_keys_unique ON record_keys (workspace, kind, name, value)
    WHERE is_unique = 1;
