-- migrate:contract idx_audit_org_range (000012) serves every query idx_audit_org did.
-- Plain DROP INDEX: YSQL rejects DROP INDEX CONCURRENTLY.
DROP INDEX IF EXISTS idx_audit_org;
