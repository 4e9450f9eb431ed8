-- Which contact each imported row became, so importing the same file again writes nothing,
-- rows without any identity included. The fingerprint is a SHA-256 digest of the row's
-- normalised content (no values are kept); it follows its contact through merges and is
-- deleted when the contact is erased.
CREATE TABLE import_rows (
    workspace TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    contact_id TEXT NOT NULL,
    PRIMARY KEY (workspace, fingerprint),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE INDEX import_rows_contact ON import_rows (workspace, contact_id);
