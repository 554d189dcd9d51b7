DROP INDEX IF EXISTS idx_audit_seals_unpublished;
DROP TABLE IF EXISTS audit_seals;
