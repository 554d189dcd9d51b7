-- ASC on purpose: YugabyteDB hash-shards an index's first column unless it is given an order, and
-- the cleanup job walks this index as a range, keyed on (expires_at, id).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_sessions_expires ON user_sessions(expires_at ASC, id ASC);
