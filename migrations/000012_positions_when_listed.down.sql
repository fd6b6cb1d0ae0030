-- Back to migration 5's numbering at COMMIT: first every order still
-- without a position gets one, as a list would give it.
SELECT zonkvmd_number_orders(p.reseller_id, p.business)
FROM (SELECT DISTINCT reseller_id, 'server' AS business FROM server_orders WHERE position < 0
      UNION SELECT DISTINCT reseller_id, 'lease' FROM lease_orders WHERE position < 0
      UNION SELECT DISTINCT reseller_id, 'idc' FROM idc_orders WHERE position < 0
      UNION SELECT DISTINCT reseller_id, 'hosting' FROM hosting_orders WHERE position < 0
      UNION SELECT DISTINCT reseller_id, 'sql' FROM sql_orders WHERE position < 0) p;
DROP FUNCTION zonkvmd_number_orders(bigint, text);

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

CREATE CONSTRAINT TRIGGER server_orders_numbered AFTER INSERT ON server_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('server');
CREATE CONSTRAINT TRIGGER lease_orders_numbered AFTER INSERT ON lease_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('lease');
CREATE CONSTRAINT TRIGGER idc_orders_numbered AFTER INSERT ON idc_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('idc');
CREATE CONSTRAINT TRIGGER hosting_orders_numbered AFTER INSERT ON hosting_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('hosting');
CREATE CONSTRAINT TRIGGER sql_orders_numbered AFTER INSERT ON sql_orders
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION zonkvmd_order_position('sql');
