-- The seal (of the event's chain) that covers the event; NULL until the sealer has covered it.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS seal_seq BIGINT;
