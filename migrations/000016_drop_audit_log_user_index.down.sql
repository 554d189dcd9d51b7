CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_user ON audit_log(user_id, created_at DESC);
