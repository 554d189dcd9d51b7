ALTER TABLE user_sessions DROP COLUMN IF EXISTS user_agent;
ALTER TABLE user_sessions DROP COLUMN IF EXISTS ip_address;
ALTER TABLE user_sessions DROP COLUMN IF EXISTS last_used_at;
