-- Platform-wide audit pages (GET /admin/audit) walk created_at alone.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_created ON audit_log(created_at DESC, id DESC);
