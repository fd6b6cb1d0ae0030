ALTER TABLE hosting_orders DROP COLUMN last_backup_at;
