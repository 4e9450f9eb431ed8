-- A campaign report's counts, kept as they change instead of counted at every report (at 5M
-- events and 1M members the two passes were two thirds of a report's time).
-- campaign_event_counts: events recorded per campaign and type, written with each event.
-- Merges, unmerges and erasures move or anonymise events but keep them: the counts stay.
-- campaign_member_counts: members per campaign, group and consent at send time; of them
-- those still attached to a contact (not erased) and those a merge moved to another
-- contact (contact_id <> launched_to), written by the statements that change them.
-- No contact ids: nothing here names a person.
CREATE TABLE campaign_event_counts (
    workspace TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    type TEXT NOT NULL,
    n INTEGER NOT NULL,
    PRIMARY KEY (workspace, campaign_id, type)
) WITHOUT ROWID;

CREATE TABLE campaign_member_counts (
    workspace TEXT NOT NULL,
    campaign_id TEXT NOT NULL,
    grp TEXT NOT NULL,
    consented INTEGER NOT NULL,
    members INTEGER NOT NULL,
    attached INTEGER NOT NULL,
    moved INTEGER NOT NULL,
    PRIMARY KEY (workspace, campaign_id, grp, consented)
) WITHOUT ROWID;

-- The events recorded so far: their type key is '<campaign id>:<type>'.
INSERT INTO campaign_event_counts (workspace, campaign_id, type, n)
SELECT k.workspace, substr(k.value, 1, length(k.value) - length(t.type) - 1), t.type, count(*)
FROM record_keys k
JOIN (SELECT 'delivered' AS type UNION ALL SELECT 'opened' UNION ALL SELECT 'clicked'
      UNION ALL SELECT 'bounced' UNION ALL SELECT 'unsubscribed' UNION ALL SELECT 'converted') t
  ON substr(k.value, length(k.value) - length(t.type)) = ':' || t.type
WHERE k.kind = 'campaign_events' AND k.name = 'type'
GROUP BY k.workspace, k.value, t.type;

INSERT INTO campaign_member_counts (workspace, campaign_id, grp, consented, members, attached, moved)
SELECT workspace, campaign_id, grp, consented, count(*), count(contact_id),
       sum(CASE WHEN contact_id <> launched_to THEN 1 ELSE 0 END)
FROM campaign_members
GROUP BY workspace, campaign_id, grp, consented;
