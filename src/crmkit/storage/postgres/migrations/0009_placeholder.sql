-- Placeholder only: another branch owns migration 0009. Delete this file at merge, when
-- that branch's 0009 lands (this branch's 0010 follows it).
SELECT 1;
