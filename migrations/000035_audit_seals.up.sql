-- Seals of the audit trail: per chain (an organization, or 'platform' for events without one) a
-- numbered sequence, each seal a signed Merkle root over the events it covers, chained by hash.
-- The primary key makes a second sealer's seal of the same number fail instead of forking the chain.
CREATE TABLE IF NOT EXISTS audit_seals (
    chain VARCHAR(36) NOT NULL,
    seq BIGINT NOT NULL,
    org_id UUID,
    prev_hash VARCHAR(64),
    merkle_root VARCHAR(64) NOT NULL,
    event_count INT NOT NULL,
    event_ids UUID[] NOT NULL,
    event_times TIMESTAMPTZ[] NOT NULL,
    leaves BYTEA NOT NULL,
    first_event_at TIMESTAMPTZ NOT NULL,
    last_event_at TIMESTAMPTZ NOT NULL,
    sealed_at TIMESTAMPTZ NOT NULL,
    key_id VARCHAR(64) NOT NULL,
    hash VARCHAR(64) NOT NULL,
    signature VARCHAR(128) NOT NULL,
    published_at TIMESTAMPTZ,
    PRIMARY KEY (chain, seq)
);

-- Seals whose digest object is not in the bucket yet: the sealer retries them on its next run.
CREATE INDEX IF NOT EXISTS idx_audit_seals_unpublished ON audit_seals (sealed_at) WHERE published_at IS NULL;
