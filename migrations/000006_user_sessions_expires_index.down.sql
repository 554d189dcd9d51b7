DROP INDEX IF EXISTS idx_user_sessions_expires;
