DROP INDEX IF EXISTS idx_resources_org_page;
