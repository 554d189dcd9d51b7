-- Audit events that are stored in audit_log but not yet in the search index: the consumer adds
-- them when Quickwit can't take a batch, a scheduled job indexes them from audit_log and removes
-- them once Quickwit accepted them. The queue message is acknowledged as soon as the event is
-- stored and either indexed or listed here, so a search outage never keeps events in the queue.
CREATE TABLE IF NOT EXISTS audit_index_backlog (
  event_id UUID PRIMARY KEY,
  recorded_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The job walks the backlog oldest first by event id (UUIDv7 ids are time-ordered); on YugabyteDB
-- the primary key is hash-sharded, so the walk needs a range index of its own.
CREATE INDEX IF NOT EXISTS idx_audit_index_backlog_walk ON audit_index_backlog (event_id ASC);
