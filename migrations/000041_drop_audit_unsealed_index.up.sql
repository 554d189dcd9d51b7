-- migrate:contract the sealer no longer reads audit_log.seal_seq (it reads audit_unsealed), and the index would list every new event forever
DROP INDEX IF EXISTS idx_audit_unsealed;
