-- last_backup_at is when hosting_to_backup last asked the panel for a
-- backup of the order's site: a request within two minutes of it is the
-- retry of that one and makes no second backup.
ALTER TABLE hosting_orders ADD COLUMN last_backup_at timestamptz;
