-- Mailed one-time tokens (email verification, password reset, invitation). Only the SHA-256 of a
-- token is kept: whoever reads this table can't use what is in it.
CREATE TABLE IF NOT EXISTS one_time_tokens (
    token_hash VARCHAR(64) PRIMARY KEY,
    purpose VARCHAR(20) NOT NULL,
    email VARCHAR(255) NOT NULL,
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    invitation_id UUID REFERENCES invitations(id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    used_at TIMESTAMPTZ
);

-- A new table, so its indexes are no online change and may share the file.
CREATE INDEX IF NOT EXISTS idx_one_time_tokens_user ON one_time_tokens(user_id);
CREATE INDEX IF NOT EXISTS idx_one_time_tokens_invitation ON one_time_tokens(invitation_id);
CREATE INDEX IF NOT EXISTS idx_one_time_tokens_expires ON one_time_tokens(expires_at);
