DROP TABLE IF EXISTS audit_index_backlog;
