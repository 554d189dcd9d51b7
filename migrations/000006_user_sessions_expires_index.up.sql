-- ASC on purpose: YugabyteDB hash-shards an index's first column unless it is given an order, and
-- the cleanup job walks this index as a range, keyed on (expires_at, id).
-- ysql: hot range key: new sessions (now + idle timeout) all land on the last tablet and the cleanup
-- deletes from the first. Kept: the cleanup's "expired before now" is a range that a hash index
-- would turn into a full scan, and the login rate is far below what one tablet takes (it splits as
-- it grows).
CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_user_sessions_expires ON user_sessions(expires_at ASC, id ASC);
