-- Campaign members (crmkit.storage.protocols.CampaignMemberRepository): one row per member
-- of a launched campaign. In the generic record store a member was a record and two key
-- rows (seven index entries); a launch to a million members spent most of its time there.
-- launched_to is the contact the launch wrote the member for: one member per campaign and
-- contact, even after a merge gives the survivor two (contact_id moves, launched_to stays).
-- An erasure sets both to NULL and keeps the row, so the campaign's counts survive.
CREATE TABLE campaign_members (
    workspace TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    id TEXT NOT NULL,
    contact_id TEXT,
    launched_to TEXT,
    grp TEXT NOT NULL,
    consented INTEGER NOT NULL,
    at INTEGER NOT NULL,
    PRIMARY KEY (workspace, campaign_id, id),
    FOREIGN KEY (workspace, contact_id) REFERENCES contacts (workspace, id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX campaign_members_once ON campaign_members (workspace, campaign_id, launched_to)
    WHERE launched_to IS NOT NULL;
CREATE INDEX campaign_members_contact ON campaign_members (workspace, contact_id)
    WHERE contact_id IS NOT NULL;
