-- Each stage change carries its stay: microseconds until the deal's next change (NULL while
-- the deal still stands in that stage). The funnel's time-in-stage statistics then read one
-- covering index instead of a window pass over every change; a second covering index serves
-- the per-deal covered-range query.
ALTER TABLE stage_changes ADD COLUMN stay_us BIGINT;

UPDATE stage_changes SET stay_us = n.dur
FROM (
    SELECT workspace AS w, id AS cid,
           (EXTRACT(EPOCH FROM (LEAD(at) OVER (PARTITION BY workspace, deal_id ORDER BY at, id)
                                - at)) * 1000000)::bigint AS dur
    FROM stage_changes
) AS n
WHERE stage_changes.workspace = n.w AND stage_changes.id = n.cid AND n.dur IS NOT NULL;

CREATE INDEX stage_changes_stays ON stage_changes (workspace, pipeline_id, to_stage, stay_us);
CREATE INDEX stage_changes_ranges ON stage_changes (workspace, pipeline_id, deal_id, to_stage);
