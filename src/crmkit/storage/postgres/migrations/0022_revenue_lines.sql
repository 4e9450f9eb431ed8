-- Revenue lines (crmkit.customer_file.revenue): each purchase and refund line in whole minor
-- units of its currency (refunds negative), written with its ledger entry, keyed in the order
-- crm.revenue groups them. No contact and no text: merges and erasures leave revenue as it
-- was. Entries recorded before this migration get their lines in Python right after
-- migrating (revenue_pending lists the workspaces), without VAT, which they did not record.
CREATE TABLE revenue_lines (
    workspace TEXT NOT NULL,
    sku TEXT NOT NULL,
    currency CHAR(3) NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    transaction_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    net BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    PRIMARY KEY (workspace, sku, currency, month, day, occurred_at, transaction_id, line)
);

CREATE TABLE revenue_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO revenue_pending (workspace) SELECT DISTINCT workspace FROM transactions;
