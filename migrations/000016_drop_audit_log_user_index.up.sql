-- migrate:contract idx_audit_user_range (000013) serves every query idx_audit_user (seed schema) did.
-- Plain DROP INDEX: YSQL rejects DROP INDEX CONCURRENTLY.
DROP INDEX IF EXISTS idx_audit_user;
