-- Fills the NULLs the seed schema (000001) allowed in columns that every release reads as set, so
-- that 000046 can have the database enforce it. A filled value is what the code put in place of a
-- NULL when it read one (or the column's DEFAULT), so no reader sees a change.
UPDATE users SET status = 'active' WHERE status IS NULL;
UPDATE users SET role = 'user' WHERE role IS NULL;
UPDATE users SET created_at = coalesce(updated_at, now()) WHERE created_at IS NULL;
UPDATE users SET updated_at = created_at WHERE updated_at IS NULL;

-- A session without a user authenticates nobody (every lookup joins users): there is nothing to keep.
DELETE FROM user_sessions WHERE user_id IS NULL;
-- now() as the code read it; the absolute and idle limits then run from here, where a NULL gave none.
UPDATE user_sessions SET created_at = now() WHERE created_at IS NULL;
UPDATE user_sessions SET last_used_at = created_at WHERE last_used_at IS NULL;

UPDATE organizations SET plan = 'free' WHERE plan IS NULL;
UPDATE organizations SET status = 'active' WHERE status IS NULL;
UPDATE organizations SET metadata = '{}'::jsonb WHERE metadata IS NULL;
UPDATE organizations SET created_at = coalesce(updated_at, now()) WHERE created_at IS NULL;
UPDATE organizations SET updated_at = created_at WHERE updated_at IS NULL;

-- A resource outside every organization is unreachable (every read and write names its organization).
DELETE FROM resources WHERE org_id IS NULL;
UPDATE resources SET config = '{}'::jsonb WHERE config IS NULL;
UPDATE resources SET status = 'active' WHERE status IS NULL;
UPDATE resources SET created_at = coalesce(updated_at, now()) WHERE created_at IS NULL;
UPDATE resources SET updated_at = created_at WHERE updated_at IS NULL;

-- Only events no seal covers yet: a sealed event's leaf hash covers its details and time as stored,
-- and rewriting them would make the seal fail verification. The application never stored either
-- as NULL; a sealed row that has one makes 000046 fail and name the column instead of being changed.
-- Sealed is either mark: a coverage row, or seal_seq set by a sealer of the release before.
UPDATE audit_log SET details = '{}'::jsonb
WHERE details IS NULL AND seal_seq IS NULL
  AND NOT EXISTS (SELECT 1 FROM audit_seal_events s WHERE s.event_id = audit_log.id);
UPDATE audit_log SET created_at = now()
WHERE created_at IS NULL AND seal_seq IS NULL
  AND NOT EXISTS (SELECT 1 FROM audit_seal_events s WHERE s.event_id = audit_log.id);
