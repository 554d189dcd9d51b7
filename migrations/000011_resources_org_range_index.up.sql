-- Keyset pages over an organization's resources, as range index: on YugabyteDB an index's first
-- column without ASC/DESC is hash-sharded, and a row comparison (created_at, id) < (...) is not
-- pushed into a scan of an index with a hash column, so every page re-read all newer rows. org_id
-- ASC keeps one organization's rows together; its values are random UUIDs, so tablets split
-- evenly. The columns and directions match the ORDER BY exactly (created_at DESC, id DESC).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_resources_org_range ON resources(org_id ASC, created_at DESC, id DESC);
