-- Summaries the funnel report reads instead of every stage change.
-- 1. Each stage change carries its stay: microseconds until the deal's next change (NULL
--    while the deal still stands in that stage); time-in-stage figures read one covering index.
ALTER TABLE stage_changes ADD COLUMN stay_us INTEGER;

UPDATE stage_changes SET stay_us = n.dur
FROM (
    SELECT workspace AS w, id AS cid,
           LEAD(at) OVER (PARTITION BY workspace, deal_id ORDER BY at, id) - at AS dur
    FROM stage_changes
) AS n
WHERE stage_changes.workspace = n.w AND stage_changes.id = n.cid AND n.dur IS NOT NULL;

CREATE INDEX stage_changes_stays ON stage_changes (workspace, pipeline_id, to_stage, stay_us);

-- 2. Each deal carries its covered stage range (indexes into its pipeline's stages, NULL with
--    no change into one of them), so stage counts group deals instead of changes. SQL cannot
--    read the stage order, so the storage fills the ranges of the pipelines listed here in
--    Python right after migrating.
ALTER TABLE deals ADD COLUMN range_lo INTEGER;
ALTER TABLE deals ADD COLUMN range_hi INTEGER;
CREATE TABLE funnel_ranges_pending (
    workspace TEXT NOT NULL,
    pipeline_id TEXT NOT NULL,
    PRIMARY KEY (workspace, pipeline_id)
);
INSERT INTO funnel_ranges_pending (workspace, pipeline_id) SELECT workspace, id FROM pipelines;
