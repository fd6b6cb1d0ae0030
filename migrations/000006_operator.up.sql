-- The operator's view (issue 13): the secret key's fingerprint, the audit
-- trail, and the actor of an operator's ledger entries.

-- secret_key is the fingerprint of the key that seals this database's
-- secrets (internal/secret.Fingerprint): an HMAC of a fixed text under the
-- key, never the key. One row; the first command that opens sealed values
-- writes it, every later one compares.
CREATE TABLE secret_key (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fingerprint text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- audit_log is append-only: who ran which changing command, on what, when,
-- and from where.
CREATE TABLE audit_log (
    id       bigserial PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    actor    text NOT NULL,
    origin   text NOT NULL,               -- host name, and the SSH client's address
    command  text NOT NULL,               -- "reseller topup", "order refund", ...
    target   text NOT NULL DEFAULT '',    -- appid, "server 12", job id, file
    detail   jsonb NOT NULL DEFAULT '{}'
);

CREATE FUNCTION zonkvmd_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = '42501';
END
$$;

CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_audit_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION zonkvmd_audit_append_only();

-- actor names the operator behind a ledger entry written by a command
-- (topup, credit, refund, extension): the command sets zonkvmd.actor for
-- its transaction. Entries of the API (the reseller's own) keep NULL.
ALTER TABLE ledger_entries
    ADD COLUMN actor text DEFAULT NULLIF(current_setting('zonkvmd.actor', true), '');
