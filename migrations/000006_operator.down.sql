ALTER TABLE ledger_entries DROP COLUMN actor;
DROP TABLE audit_log;
DROP FUNCTION zonkvmd_audit_append_only();
DROP TABLE secret_key;
