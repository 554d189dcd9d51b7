CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_org ON audit_log(org_id, created_at DESC);
