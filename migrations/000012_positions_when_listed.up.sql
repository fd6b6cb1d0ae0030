-- Issue 8: an order's list position is given when a list reads it, not
-- when the order commits.
--
-- Migration 5 numbered each order at COMMIT with a deferred trigger. One
-- reseller's purchases are serialized on its account row, which the charge
-- locks until the COMMIT, so the trigger's work (its lock, a look-up and a
-- second version of the new order's row with its index entries) ran inside
-- that serialized stretch of every purchase: create_order lost about a
-- third of its rate to it. Lists are where positions are needed, so a list
-- now numbers what is not yet numbered before it reads
-- (zonkvmd_number_orders); a purchase only writes its placeholder, minus
-- its id, as before. What a list answers does not change: it reads in one
-- snapshot taken after the numbering, and an order that commits after the
-- numbering still has its placeholder, so it is in no page and not in the
-- count until the next list.

DROP TRIGGER server_orders_numbered ON server_orders;
DROP TRIGGER lease_orders_numbered ON lease_orders;
DROP TRIGGER idc_orders_numbered ON idc_orders;
DROP TRIGGER hosting_orders_numbered ON hosting_orders;
DROP TRIGGER sql_orders_numbered ON sql_orders;
DROP FUNCTION zonkvmd_order_position();

-- zonkvmd_number_orders gives the reseller's orders of business ('server',
-- 'lease', 'idc', 'hosting' or 'sql') that have only their placeholder
-- their positions: 1, 2, 3, ... by id after the orders numbered before,
-- without a gap. An order committed after others with larger ids were
-- numbered takes its place by id and moves them up. The lock row of
-- migration 5 makes two calls for one reseller and business number one
-- after the other; each statement of a read-committed transaction sees
-- what committed before it began, so under the lock nothing numbered
-- changes. When nothing waits for a position it takes no lock and writes
-- nothing (one index look-up, which until the table's next vacuum steps
-- over the dead entries of the placeholders numbered since).
CREATE FUNCTION zonkvmd_number_orders(reseller bigint, business text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    tbl      text;
    first_id bigint; -- the smallest id still without a position
    before   bigint; -- the position of the order just before it
BEGIN
    IF business NOT IN ('server', 'lease', 'idc', 'hosting', 'sql') THEN
        RAISE EXCEPTION 'zonkvmd_number_orders: unknown business %', business;
    END IF;
    tbl := business || '_orders';
    -- The placeholder is minus the id: the largest is the smallest id.
    EXECUTE format('SELECT -max(position) FROM %I WHERE reseller_id = $1 AND position < 0', tbl)
        INTO first_id USING reseller;
    IF first_id IS NULL THEN
        RETURN;
    END IF;
    PERFORM FROM order_position_locks l WHERE l.reseller_id = reseller AND l.business = zonkvmd_number_orders.business
        FOR UPDATE;
    IF NOT FOUND THEN -- the reseller's first list of this business
        INSERT INTO order_position_locks (reseller_id, business) VALUES (reseller, business) ON CONFLICT DO NOTHING;
        PERFORM FROM order_position_locks l WHERE l.reseller_id = reseller AND l.business = zonkvmd_number_orders.business
            FOR UPDATE;
    END IF;
    -- Again under the lock: a call that held it may have numbered them.
    EXECUTE format('SELECT -max(position) FROM %I WHERE reseller_id = $1 AND position < 0', tbl)
        INTO first_id USING reseller;
    IF first_id IS NULL THEN
        RETURN;
    END IF;
    -- Numbered orders hold 1..n in id order, so the last one below
    -- first_id is found from the top of the positions (the orders above it
    -- are few: those committed before a smaller id).
    EXECUTE format('SELECT coalesce(max(position), 0) FROM %I WHERE reseller_id = $1 AND position > 0 AND id < $2', tbl)
        INTO before USING reseller, first_id;
    -- The unique constraint on positions is deferrable, checked at the end
    -- of the statement, so the orders may move up in any order.
    EXECUTE format('UPDATE %1$I o SET position = $3 + s.n
        FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM %1$I WHERE reseller_id = $1 AND id >= $2) s
        WHERE o.id = s.id AND o.position <> $3 + s.n', tbl)
        USING reseller, first_id, before;
END $$;
