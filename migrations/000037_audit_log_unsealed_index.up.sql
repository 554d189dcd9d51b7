-- Only the events no seal covers yet (normally under a minute's worth): the sealer's work list.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_audit_unsealed ON audit_log (org_id, created_at, id) WHERE seal_seq IS NULL;
