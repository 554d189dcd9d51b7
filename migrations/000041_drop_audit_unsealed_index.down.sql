CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_unsealed ON audit_log (org_id, created_at, id) WHERE seal_seq IS NULL;
