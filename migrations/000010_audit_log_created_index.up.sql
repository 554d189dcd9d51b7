-- Platform-wide audit pages (GET /admin/audit) walk created_at alone.
-- ysql: hot range key: every audit row lands on the newest tablet. Kept: the platform-wide page
-- needs one global newest-first order (a hash bucket first would make every page a merge of all
-- buckets), and rows arrive in the consumer's batches of up to 100 in one statement, not one write a
-- request.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_created ON audit_log(created_at DESC, id DESC);
