-- A contact's campaign touches (crmkit.marketing.touches): their memberships by group,
-- consent and launch time, so a campaign report finds each buyer's first and last touch in
-- one index probe. It replaces the contact index (its prefix), so a launch still writes
-- three index entries per member. Not partial: with the old partial index SQLite chose to
-- scan every member of the workspace for a touch, unable to see that the correlated
-- contact_id was never NULL.
DROP INDEX campaign_members_contact;
CREATE INDEX campaign_members_touches ON campaign_members (workspace, contact_id, grp, consented, at);
