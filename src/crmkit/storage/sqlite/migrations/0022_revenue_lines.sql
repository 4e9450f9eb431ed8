-- Revenue (crmkit.customer_file.revenue). revenue_lines: each purchase and refund line in
-- whole minor units of its currency (refunds negative), written with its ledger entry, in
-- time order. revenue_days: the same lines summed by SKU key ('' for none), currency and
-- UTC day, written by the same statement batch, so a report over whole days reads a few
-- hundred thousand sums instead of millions of lines (the lines serve the part days at the
-- ends of a range). No contact and no text: merges and erasures leave revenue as it was.
--
-- Entries recorded before this migration get their lines in Python right after migrating
-- (revenue_pending lists the workspaces), without VAT, which their lines did not record.
CREATE TABLE revenue_lines (
    workspace TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    transaction_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    currency TEXT NOT NULL,
    net INTEGER NOT NULL,
    vat INTEGER NOT NULL,
    PRIMARY KEY (workspace, occurred_at, transaction_id, line)
) WITHOUT ROWID;

CREATE TABLE revenue_days (
    workspace TEXT NOT NULL,
    sku TEXT NOT NULL,
    currency TEXT NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    net INTEGER NOT NULL,
    vat INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    PRIMARY KEY (workspace, sku, currency, month, day)
) WITHOUT ROWID;

CREATE TABLE revenue_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO revenue_pending (workspace) SELECT DISTINCT workspace FROM transactions;
