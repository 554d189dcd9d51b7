DROP INDEX IF EXISTS idx_user_sessions_token_hash;
