-- Folded twins of the text columns segments filter on: <column>_fold holds
-- crmkit.text.fold(<column>) (case, diacritics, script variants, digits, spaces), written by
-- crmkit with the row, so a text condition is a plain comparison on a stored column.
ALTER TABLE contacts ADD COLUMN name_fold TEXT;
ALTER TABLE contacts ADD COLUMN given_name_fold TEXT;
ALTER TABLE contacts ADD COLUMN family_name_fold TEXT;
ALTER TABLE contacts ADD COLUMN region_fold TEXT;
ALTER TABLE contacts ADD COLUMN city_fold TEXT;
ALTER TABLE contacts ADD COLUMN address_fold TEXT;
ALTER TABLE contacts ADD COLUMN postcode_fold TEXT;
ALTER TABLE contacts ADD COLUMN organization_id_fold TEXT;
ALTER TABLE contacts ADD COLUMN owner_fold TEXT;
ALTER TABLE contacts ADD COLUMN lifecycle_stage_fold TEXT;

ALTER TABLE organizations ADD COLUMN name_fold TEXT;
ALTER TABLE organizations ADD COLUMN legal_form_fold TEXT;
ALTER TABLE organizations ADD COLUMN tax_id_fold TEXT;
ALTER TABLE organizations ADD COLUMN vat_id_fold TEXT;
ALTER TABLE organizations ADD COLUMN domain_fold TEXT;
ALTER TABLE organizations ADD COLUMN industry_fold TEXT;
ALTER TABLE organizations ADD COLUMN country_fold TEXT;

-- Workspaces whose rows predate the twins: the storage folds them in Python right after
-- migrating (SQL cannot fold), claiming each row so it happens once. A later change to fold()
-- re-lists the workspaces here in a new migration.
CREATE TABLE fold_pending (
    workspace TEXT NOT NULL PRIMARY KEY
);
INSERT INTO fold_pending (workspace)
SELECT workspace FROM contacts UNION SELECT workspace FROM organizations;
