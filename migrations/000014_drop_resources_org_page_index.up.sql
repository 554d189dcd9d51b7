-- migrate:contract idx_resources_org_range (000011) serves every query idx_resources_org_page did.
-- Plain DROP INDEX: YSQL rejects DROP INDEX CONCURRENTLY.
DROP INDEX IF EXISTS idx_resources_org_page;
