-- Revenue (crmkit.customer_file.revenue). revenue_lines: each purchase and refund line in
-- whole minor units of its currency (refunds negative), written with its ledger entry.
-- revenue_days: the same lines summed by SKU key ('' for none), currency and UTC day, kept
-- by the same transaction (an upsert per day and SKU), so a report over whole days reads the
-- sums and only the part days at the ends of a range read lines. No contact and no text:
-- merges and erasures leave revenue as it was. Entries recorded before this migration get
-- their lines in Python right after migrating (revenue_pending lists the workspaces),
-- without VAT, which they did not record.
CREATE TABLE revenue_lines (
    workspace TEXT NOT NULL,
    occurred_at TIMESTAMPTZ NOT NULL,
    transaction_id TEXT NOT NULL,
    line INTEGER NOT NULL,
    sku TEXT NOT NULL,
    currency CHAR(3) NOT NULL,
    net BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    PRIMARY KEY (workspace, occurred_at, transaction_id, line)
);

CREATE TABLE revenue_days (
    workspace TEXT NOT NULL,
    sku TEXT NOT NULL,
    currency CHAR(3) NOT NULL,
    month INTEGER NOT NULL,
    day INTEGER NOT NULL,
    net BIGINT NOT NULL,
    vat BIGINT NOT NULL,
    lines BIGINT NOT NULL,
    PRIMARY KEY (workspace, sku, currency, month, day)
);

CREATE TABLE revenue_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO revenue_pending (workspace) SELECT DISTINCT workspace FROM transactions;
