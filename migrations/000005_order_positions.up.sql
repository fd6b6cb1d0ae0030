-- Issue 16: every order list answers any page in about the time of page 1.
-- Each order gets its position among its reseller's orders of its
-- business, in id order: 1, 2, 3, ... without a gap, as orders are never
-- deleted. A page of a list is then a range of positions (an index range
-- scan, whatever the page) and the number of a reseller's orders is its
-- largest position, read from the same index.

-- One row per reseller and business, whose lock makes the positions exact
-- when one reseller buys from many clients at once: an order's insert locks
-- it until its transaction ends, so inserts of one reseller's orders of one
-- business are numbered one after the other. (Its rows are only locked,
-- never updated, so a transaction inserting many orders stays linear.)
CREATE TABLE order_position_locks (
    reseller_id bigint NOT NULL REFERENCES resellers (id),
    business    text NOT NULL CHECK (business IN ('server', 'lease', 'idc', 'hosting', 'sql')),
    PRIMARY KEY (reseller_id, business)
);

-- A new order's position is given when its transaction commits, by the
-- deferred constraint trigger zonkvmd_order_position: the row lock that
-- serializes one reseller's inserts is then held for the commit only, not
-- from the order's INSERT through the rest of its purchase (the purchase is
-- serialized on the reseller's account row already; holding a second lock
-- across its whole transaction made create_order several times slower).
-- Until then the order carries a placeholder, minus its id (unique, and
-- never a page's position: pages are ranges of positive positions).
CREATE FUNCTION zonkvmd_order_placeholder() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.position := -NEW.id;
    RETURN NEW;
END $$;

-- zonkvmd_order_position gives a committing order (of business TG_ARGV[0])
-- the position after its reseller's last. Orders commit in any order of
-- their ids, so one with a smaller id than orders committed before it moves
-- them up one and takes the place in front of them. The lock makes the
-- reseller's commits number one after the other; each statement of a
-- read-committed transaction sees what committed before it began, so once
-- locked the largest position is the last one given. Only when the
-- reseller's last order has a larger id is anything moved, so numbering a
-- million orders in one transaction stays linear.
CREATE FUNCTION zonkvmd_order_position() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    top    bigint;
    top_id bigint;
    later  bigint := 0;
BEGIN
    PERFORM FROM order_position_locks WHERE reseller_id = NEW.reseller_id AND business = TG_ARGV[0] FOR UPDATE;
    IF NOT FOUND THEN -- the reseller's first order of this business
        INSERT INTO order_position_locks (reseller_id, business) VALUES (NEW.reseller_id, TG_ARGV[0])
        ON CONFLICT DO NOTHING;
        PERFORM FROM order_position_locks WHERE reseller_id = NEW.reseller_id AND business = TG_ARGV[0] FOR UPDATE;
    END IF;
    -- Static statements, one set per table, so that PL/pgSQL keeps their plans.
    CASE TG_ARGV[0]
    WHEN 'server' THEN
        SELECT position, id INTO top, top_id FROM server_orders
        WHERE reseller_id = NEW.reseller_id AND position > 0 ORDER BY position DESC LIMIT 1;
        IF top_id > NEW.id THEN
            UPDATE server_orders SET position = position + 1 WHERE reseller_id = NEW.reseller_id AND id > NEW.id AND position > 0;
            GET DIAGNOSTICS later = ROW_COUNT;
        END IF;
        UPDATE server_orders SET position = coalesce(top, 0) + 1 - later WHERE id = NEW.id;
    WHEN 'lease' THEN
        SELECT position, id INTO top, top_id FROM lease_orders
        WHERE reseller_id = NEW.reseller_id AND position > 0 ORDER BY position DESC LIMIT 1;
        IF top_id > NEW.id THEN
            UPDATE lease_orders SET position = position + 1 WHERE reseller_id = NEW.reseller_id AND id > NEW.id AND position > 0;
            GET DIAGNOSTICS later = ROW_COUNT;
        END IF;
        UPDATE lease_orders SET position = coalesce(top, 0) + 1 - later WHERE id = NEW.id;
    WHEN 'idc' THEN
        SELECT position, id INTO top, top_id FROM idc_orders
        WHERE reseller_id = NEW.reseller_id AND position > 0 ORDER BY position DESC LIMIT 1;
        IF top_id > NEW.id THEN
            UPDATE idc_orders SET position = position + 1 WHERE reseller_id = NEW.reseller_id AND id > NEW.id AND position > 0;
            GET DIAGNOSTICS later = ROW_COUNT;
        END IF;
        UPDATE idc_orders SET position = coalesce(top, 0) + 1 - later WHERE id = NEW.id;
    WHEN 'hosting' THEN
        SELECT position, id INTO top, top_id FROM hosting_orders
        WHERE reseller_id = NEW.reseller_id AND position > 0 ORDER BY position DESC LIMIT 1;
        IF top_id > NEW.id THEN
            UPDATE hosting_orders SET position = position + 1 WHERE reseller_id = NEW.reseller_id AND id > NEW.id AND position > 0;
            GET DIAGNOSTICS later = ROW_COUNT;
        END IF;
        UPDATE hosting_orders SET position = coalesce(top, 0) + 1 - later WHERE id = NEW.id;
    WHEN 'sql' THEN
        SELECT position, id INTO top, top_id FROM sql_orders
        WHERE reseller_id = NEW.reseller_id AND position > 0 ORDER BY position DESC LIMIT 1;
        IF top_id > NEW.id THEN
            UPDATE sql_orders SET position = position + 1 WHERE reseller_id = NEW.reseller_id AND id > NEW.id AND position > 0;
            GET DIAGNOSTICS later = ROW_COUNT;
        END IF;
        UPDATE sql_orders SET position = coalesce(top, 0) + 1 - later WHERE id = NEW.id;
    END CASE;
    RETURN NULL;
END $$;

-- zonkvmd_orders_kept refuses what would break the positions: deleting an
-- order, or moving it to another id or reseller.
CREATE FUNCTION zonkvmd_orders_kept() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '% rows are never deleted (their positions count them)', TG_TABLE_NAME;
    END IF;
    IF NEW.id <> OLD.id OR NEW.reseller_id <> OLD.reseller_id THEN
        RAISE EXCEPTION '% rows keep their id and reseller (their positions count them)', TG_TABLE_NAME;
    END IF;
    RETURN NEW;
END $$;

-- server
ALTER TABLE server_orders ADD COLUMN position bigint CHECK (position <> 0);
UPDATE server_orders o SET position = p.position
FROM (SELECT id, row_number() OVER (PARTITION BY reseller_id ORDER BY id) AS position FROM server_orders) p
WHERE p.id = o.id;
ALTER TABLE server_orders ALTER COLUMN position SET NOT NULL;
-- DEFERRABLE: checked at the end of the statement, so that the trigger's
-- one UPDATE may move several orders up.
ALTER TABLE server_orders ADD CONSTRAINT server_orders_position UNIQUE (reseller_id, position) DEFERRABLE;
INSERT INTO order_position_locks (reseller_id, business)
SELECT DISTINCT reseller_id, 'server' FROM server_orders;
CREATE TRIGGER server_orders_placeholder BEFORE INSERT ON server_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_placeholder();
CREATE CONSTRAINT TRIGGER server_orders_numbered AFTER INSERT ON server_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('server');
CREATE TRIGGER server_orders_kept BEFORE DELETE OR UPDATE OF id, reseller_id ON server_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_orders_kept();

-- lease
ALTER TABLE lease_orders ADD COLUMN position bigint CHECK (position <> 0);
UPDATE lease_orders o SET position = p.position
FROM (SELECT id, row_number() OVER (PARTITION BY reseller_id ORDER BY id) AS position FROM lease_orders) p
WHERE p.id = o.id;
ALTER TABLE lease_orders ALTER COLUMN position SET NOT NULL;
-- DEFERRABLE: checked at the end of the statement, so that the trigger's
-- one UPDATE may move several orders up.
ALTER TABLE lease_orders ADD CONSTRAINT lease_orders_position UNIQUE (reseller_id, position) DEFERRABLE;
INSERT INTO order_position_locks (reseller_id, business)
SELECT DISTINCT reseller_id, 'lease' FROM lease_orders;
CREATE TRIGGER lease_orders_placeholder BEFORE INSERT ON lease_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_placeholder();
CREATE CONSTRAINT TRIGGER lease_orders_numbered AFTER INSERT ON lease_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('lease');
CREATE TRIGGER lease_orders_kept BEFORE DELETE OR UPDATE OF id, reseller_id ON lease_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_orders_kept();

-- idc
ALTER TABLE idc_orders ADD COLUMN position bigint CHECK (position <> 0);
UPDATE idc_orders o SET position = p.position
FROM (SELECT id, row_number() OVER (PARTITION BY reseller_id ORDER BY id) AS position FROM idc_orders) p
WHERE p.id = o.id;
ALTER TABLE idc_orders ALTER COLUMN position SET NOT NULL;
-- DEFERRABLE: checked at the end of the statement, so that the trigger's
-- one UPDATE may move several orders up.
ALTER TABLE idc_orders ADD CONSTRAINT idc_orders_position UNIQUE (reseller_id, position) DEFERRABLE;
INSERT INTO order_position_locks (reseller_id, business)
SELECT DISTINCT reseller_id, 'idc' FROM idc_orders;
CREATE TRIGGER idc_orders_placeholder BEFORE INSERT ON idc_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_placeholder();
CREATE CONSTRAINT TRIGGER idc_orders_numbered AFTER INSERT ON idc_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('idc');
CREATE TRIGGER idc_orders_kept BEFORE DELETE OR UPDATE OF id, reseller_id ON idc_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_orders_kept();

-- hosting
ALTER TABLE hosting_orders ADD COLUMN position bigint CHECK (position <> 0);
UPDATE hosting_orders o SET position = p.position
FROM (SELECT id, row_number() OVER (PARTITION BY reseller_id ORDER BY id) AS position FROM hosting_orders) p
WHERE p.id = o.id;
ALTER TABLE hosting_orders ALTER COLUMN position SET NOT NULL;
-- DEFERRABLE: checked at the end of the statement, so that the trigger's
-- one UPDATE may move several orders up.
ALTER TABLE hosting_orders ADD CONSTRAINT hosting_orders_position UNIQUE (reseller_id, position) DEFERRABLE;
INSERT INTO order_position_locks (reseller_id, business)
SELECT DISTINCT reseller_id, 'hosting' FROM hosting_orders;
CREATE TRIGGER hosting_orders_placeholder BEFORE INSERT ON hosting_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_placeholder();
CREATE CONSTRAINT TRIGGER hosting_orders_numbered AFTER INSERT ON hosting_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('hosting');
CREATE TRIGGER hosting_orders_kept BEFORE DELETE OR UPDATE OF id, reseller_id ON hosting_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_orders_kept();

-- sql
ALTER TABLE sql_orders ADD COLUMN position bigint CHECK (position <> 0);
UPDATE sql_orders o SET position = p.position
FROM (SELECT id, row_number() OVER (PARTITION BY reseller_id ORDER BY id) AS position FROM sql_orders) p
WHERE p.id = o.id;
ALTER TABLE sql_orders ALTER COLUMN position SET NOT NULL;
-- DEFERRABLE: checked at the end of the statement, so that the trigger's
-- one UPDATE may move several orders up.
ALTER TABLE sql_orders ADD CONSTRAINT sql_orders_position UNIQUE (reseller_id, position) DEFERRABLE;
INSERT INTO order_position_locks (reseller_id, business)
SELECT DISTINCT reseller_id, 'sql' FROM sql_orders;
CREATE TRIGGER sql_orders_placeholder BEFORE INSERT ON sql_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_placeholder();
CREATE CONSTRAINT TRIGGER sql_orders_numbered AFTER INSERT ON sql_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('sql');
CREATE TRIGGER sql_orders_kept BEFORE DELETE OR UPDATE OF id, reseller_id ON sql_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_orders_kept();
