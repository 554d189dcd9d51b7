CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_resources_org_page ON resources(org_id, created_at DESC, id DESC);
