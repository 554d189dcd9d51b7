-- An invitation to join an organization with a role, sent by email and accepted with the mailed token.
CREATE TABLE IF NOT EXISTS invitations (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id UUID NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    email VARCHAR(255) NOT NULL,
    role VARCHAR(20) NOT NULL,
    invited_by UUID REFERENCES users(id) ON DELETE SET NULL,
    created_at TIMESTAMPTZ NOT NULL DEFAULT NOW(),
    expires_at TIMESTAMPTZ NOT NULL,
    accepted_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);

-- A new table, so its indexes are no online change and may share the file.
-- The pending list, newest first (keyset pages on created_at, id).
CREATE INDEX IF NOT EXISTS idx_invitations_org_created ON invitations(org_id ASC, created_at DESC, id DESC);
-- At most one open invitation per address and organization; a new one revokes the earlier.
CREATE UNIQUE INDEX IF NOT EXISTS idx_invitations_open_email ON invitations(org_id, email) WHERE accepted_at IS NULL AND revoked_at IS NULL;
CREATE INDEX IF NOT EXISTS idx_invitations_invited_by ON invitations(invited_by);
