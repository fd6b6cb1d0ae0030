-- Purchases commit the ordinary way again (no COMMIT sent in the batch of
-- their charge), so nothing raises through zonkvmd_refuse any more.
DROP FUNCTION IF EXISTS zonkvmd_refuse(text, text);

-- A purchase's idempotency scope is named "purchase" (it was the action's
-- name, create_order, which only the route table spells now).
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_scope_check;
UPDATE idempotency_keys SET scope = 'purchase' WHERE scope = 'create_order';
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_scope_check
    CHECK (scope IN ('purchase', 'client_order'));

-- Jobs are typed: one River kind per operation (provision, stop, install,
-- ...) with typed args, instead of the one kind order_op carrying the
-- operation's name and a map of string parameters. Jobs queued under the
-- old kind are rewritten to the new one so that they still run. River's
-- tables come after this schema on a new database, so there may be none.
DO $$
BEGIN
	IF to_regclass('river_job') IS NOT NULL THEN
		UPDATE river_job SET
			kind = args->>'op',
			args = jsonb_strip_nulls(jsonb_build_object(
				'business', args->'business',
				'order_id', args->'order_id',
				'system_id', NULLIF(args#>>'{params,system_id}', '')::bigint,
				'port', NULLIF(args#>>'{params,port}', '')::int,
				'partition', NULLIF(args#>>'{params,partition}', ''),
				'partition_size', NULLIF(args#>>'{params,partition_size}', '')::int,
				'reason', NULLIF(args#>>'{params,reason}', ''),
				'password', args#>'{params,password}'))
		WHERE kind = 'order_op';
	END IF;
END
$$;
