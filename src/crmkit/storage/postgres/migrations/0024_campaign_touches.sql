-- A contact's campaign touches (crmkit.marketing.touches): their memberships by group,
-- consent and launch time, with the id and campaign (PostgreSQL does not add the primary
-- key's columns to an index), so a campaign report finds each buyer's first and last touch
-- in one index probe. It replaces the contact index (its prefix).
DROP INDEX campaign_members_contact;
CREATE INDEX campaign_members_touches ON campaign_members (workspace, contact_id, grp, consented, at, id)
    INCLUDE (campaign_id);
