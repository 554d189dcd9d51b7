-- The events of a chain's seals, read by verification and by exports.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_seal ON audit_log (org_id, seal_seq);
