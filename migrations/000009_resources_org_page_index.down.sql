DROP INDEX CONCURRENTLY IF EXISTS idx_resources_org_page;
