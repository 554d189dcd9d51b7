CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_user_sessions_token_hash ON user_sessions(token_hash);
