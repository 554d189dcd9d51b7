-- Keyset pages over one user's audit trail (GET /me/audit, ?userId=), as range index ending in id:
-- see 000011 for why the first column is ASC rather than hash-sharded.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_user_range ON audit_log(user_id ASC, created_at DESC, id DESC);
