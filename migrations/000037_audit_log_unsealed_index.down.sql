DROP INDEX IF EXISTS idx_audit_unsealed;
