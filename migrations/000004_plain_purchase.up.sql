-- Purchases commit the ordinary way again (no COMMIT sent in the batch of
-- their charge), so nothing raises through zonkvmd_refuse any more.
DROP FUNCTION IF EXISTS zonkvmd_refuse(text, text);

-- A purchase's idempotency scope is named "purchase" (it was the action's
-- name, create_order, which only the route table spells now).
ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_scope_check;
UPDATE idempotency_keys SET scope = 'purchase' WHERE scope = 'create_order';
ALTER TABLE idempotency_keys ADD CONSTRAINT idempotency_keys_scope_check
    CHECK (scope IN ('purchase', 'client_order'));
