ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_scope_check;
UPDATE idempotency_keys SET scope = 'create_order' WHERE scope = 'purchase';
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_scope_check
    CHECK (scope IN ('create_order', 'client_order'));

CREATE FUNCTION zonkvmd_refuse(state text, message text) RETURNS boolean
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	RAISE EXCEPTION USING ERRCODE = state, MESSAGE = message;
END
$$;
