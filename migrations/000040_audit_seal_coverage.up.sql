-- What the sealer has left to do and what it has done, kept beside audit_log so that sealing never
-- rewrites an audit row (an UPDATE of every row, and of its indexes, contended with the consumer's
-- INSERTs). The consumer adds an event's row to audit_unsealed in the statement that stores the
-- event; the sealer takes rows out with DELETE ... RETURNING, in the transaction that writes the
-- seal and its audit_seal_events rows, so what one seal covers is exactly what that statement
-- removed. An event committed after the sealer's snapshot is still in audit_unsealed for the next
-- run, whatever its time or id; two sealers can't both remove one row.
CREATE TABLE IF NOT EXISTS audit_unsealed (
    event_id UUID PRIMARY KEY,
    org_id UUID,
    created_at TIMESTAMPTZ NOT NULL
);

-- Which seal (of the event's chain) covers an event: written once, with the seal, never updated.
CREATE TABLE IF NOT EXISTS audit_seal_events (
    event_id UUID PRIMARY KEY,
    seq BIGINT NOT NULL
);

-- Until now the sealer marked audit_log.seal_seq: carry that over, and queue what it had not sealed.
-- The column stays (unused from here on) rather than a contract step for an unused column.
INSERT INTO audit_seal_events (event_id, seq)
SELECT id, seal_seq FROM audit_log WHERE seal_seq IS NOT NULL
ON CONFLICT (event_id) DO NOTHING;

-- The seed schema allows a NULL created_at; the list's time only orders the sealer's work.
INSERT INTO audit_unsealed (event_id, org_id, created_at)
SELECT id, org_id, coalesce(created_at, now()) FROM audit_log WHERE seal_seq IS NULL
ON CONFLICT (event_id) DO NOTHING;
