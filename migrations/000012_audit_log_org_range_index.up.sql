-- Keyset pages over an organization's audit trail (GET /orgs/{orgId}/audit, exports), as range
-- index ending in id: see 000011 for why the first column is ASC rather than hash-sharded.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_org_range ON audit_log(org_id ASC, created_at DESC, id DESC);
