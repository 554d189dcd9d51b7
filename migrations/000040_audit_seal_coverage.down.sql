UPDATE audit_log SET seal_seq = covered.seq FROM audit_seal_events covered WHERE audit_log.id = covered.event_id AND audit_log.seal_seq IS NULL;
DROP TABLE IF EXISTS audit_seal_events;
DROP TABLE IF EXISTS audit_unsealed;
