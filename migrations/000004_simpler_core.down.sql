-- Typed jobs back to the one kind order_op.
DO $$
BEGIN
	IF to_regclass('river_job') IS NOT NULL THEN
		UPDATE river_job SET
			args = jsonb_build_object('business', args->'business', 'order_id', args->'order_id', 'op', kind)
				|| CASE WHEN args - 'business' - 'order_id' = '{}' THEN '{}'::jsonb
				        ELSE jsonb_build_object('params', (SELECT jsonb_object_agg(key, value #>> '{}')
				            FROM jsonb_each(args - 'business' - 'order_id'))) END,
			kind = 'order_op'
		WHERE kind IN ('provision', 'destroy', 'resize', 'lock', 'unlock', 'start', 'stop', 'restart',
		               'install', 'password', 'vnc_password');
	END IF;
END
$$;

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
