-- Revenue lines (crmkit.customer_file.revenue): each purchase and refund line in whole minor
-- units of its currency (refunds negative), written with its ledger entry. The key puts a
-- workspace's lines in the order crm.revenue groups them (SKU key, currency, UTC month, UTC
-- day), so millions of lines are summed in one pass of the table with no sort. No contact
-- and no text: merges and erasures leave revenue as it was.
--
-- Entries recorded before this migration get their lines in Python right after migrating
-- (revenue_pending lists the workspaces), without VAT, which their lines did not record.
CREATE TABLE revenue_lines (
    workspace TEXT NOT NULL,
    sku TEXT NOT NULL,
    currency TEXT NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    occurred_at INTEGER NOT NULL,
    transaction_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    net INTEGER NOT NULL,
    vat INTEGER NOT NULL,
    PRIMARY KEY (workspace, sku, currency, month, day, occurred_at, transaction_id, line)
) WITHOUT ROWID;

CREATE TABLE revenue_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO revenue_pending (workspace) SELECT DISTINCT workspace FROM transactions;
