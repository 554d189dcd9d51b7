-- Keyset pages over an organization's resources: (created_at, id) within one org.
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_resources_org_page ON resources(org_id, created_at DESC, id DESC);
