DROP INDEX IF EXISTS idx_audit_seal;
