-- migrate:contract no release writes NULL to these columns (inserts leave them to their DEFAULT, and the kysely types never allowed null); 000045 filled the rows that had one.
-- YSQL has ALTER TABLE ... ALTER COLUMN ... SET NOT NULL (alter_column_action in the YugabyteDB
-- 2025.1 YSQL grammar, docs.yugabyte.com, api/ysql/the-sql-language/statements/ddl_alter_table); it
-- reads every row to check, as PostgreSQL does. PostgreSQL's way around that scan (a CHECK ... NOT
-- VALID, VALIDATE CONSTRAINT, then SET NOT NULL) is not in that grammar, so the plain form it is;
-- writes to a table wait for its check. The largest is audit_log, which production writes from
-- the queue consumer: its messages wait in the queue meanwhile.
ALTER TABLE users
  ALTER COLUMN status SET NOT NULL,
  ALTER COLUMN role SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE user_sessions
  ALTER COLUMN user_id SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN last_used_at SET NOT NULL;

ALTER TABLE organizations
  ALTER COLUMN plan SET NOT NULL,
  ALTER COLUMN status SET NOT NULL,
  ALTER COLUMN metadata SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE resources
  ALTER COLUMN org_id SET NOT NULL,
  ALTER COLUMN config SET NOT NULL,
  ALTER COLUMN status SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL,
  ALTER COLUMN updated_at SET NOT NULL;

ALTER TABLE audit_log
  ALTER COLUMN details SET NOT NULL,
  ALTER COLUMN created_at SET NOT NULL;
