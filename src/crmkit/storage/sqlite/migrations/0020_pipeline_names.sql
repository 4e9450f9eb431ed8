-- Pipeline names are unique per workspace. name_key is crmkit.funnel.pipeline_name_key(name)
-- (runs of white space made one space, case-folded, canonical composition), written by crmkit
-- with the row; the unique index refuses a second pipeline under a name.
--
-- Rows written before this migration get their key in Python right after migrating (SQL
-- cannot case-fold as Python does); until then their key is NULL, which the index never
-- counts as a clash, so a database that already holds two pipelines named alike migrates.
-- The keying goes oldest first and gives a name an older pipeline holds the first free
-- suffix, "Sales (2)", so that every name finds one pipeline.
ALTER TABLE pipelines ADD COLUMN name_key TEXT;
CREATE UNIQUE INDEX pipelines_name_key ON pipelines (workspace, name_key);

CREATE TABLE pipeline_names_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO pipeline_names_pending (workspace) SELECT DISTINCT workspace FROM pipelines;
