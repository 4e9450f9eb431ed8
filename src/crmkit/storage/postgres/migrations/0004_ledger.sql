CREATE TABLE transactions (
    workspace TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    amount NUMERIC NOT NULL,
    currency CHAR(3) NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    order_id TEXT,
    lines JSONB NOT NULL,
    note TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (workspace, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
);
CREATE INDEX transactions_contact ON transactions (workspace, contact_id, occurred_at, id);
