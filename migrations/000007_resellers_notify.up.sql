-- Every daemon caches resellers' key hashes, switches and allow-lists
-- (internal/auth) and listens on the channel zonkvmd_resellers: any change
-- to a reseller's row, by whatever client (the CLI, psql), notifies every
-- daemon with its appid when the change commits, and each forgets that
-- reseller. A notification is sent only at commit, so a rolled-back change
-- invalidates nothing.
-- A new reseller needs no notification: only existing resellers are cached.
CREATE FUNCTION zonkvmd_resellers_notify() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('zonkvmd_resellers', OLD.appid);
	RETURN NULL;
END
$$;

CREATE TRIGGER resellers_notify
AFTER UPDATE OR DELETE ON resellers
FOR EACH ROW EXECUTE FUNCTION zonkvmd_resellers_notify();

-- TRUNCATE has no rows: it tells every daemon to forget everything.
CREATE FUNCTION zonkvmd_resellers_notify_all() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('zonkvmd_resellers', '');
	RETURN NULL;
END
$$;

CREATE TRIGGER resellers_notify_truncate
AFTER TRUNCATE ON resellers
FOR EACH STATEMENT EXECUTE FUNCTION zonkvmd_resellers_notify_all();
