-- The transactions ledger. Amounts are exact decimal text; entries are never edited (a
-- correction is a new entry), so there is no version column.
CREATE TABLE transactions (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount TEXT NOT NULL,
    currency TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    order_id TEXT,
    lines TEXT NOT NULL,
    note TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX transactions_contact ON transactions (workspace, contact_id, occurred_at, id);
