-- Issue 12: getserver and getservers read one row of server_orders, with
-- no join and no sub-query. What they joined for is kept on the order by
-- the triggers below, in the same transaction as the change it follows:
-- the line's and the system's guids and the line's driver (the API's
-- line_guid, system_guid and api_type) and the order's security policies
-- as getserver answers them (securityPolicyList). Each join or sub-query
-- cost an index scan of its own on every read; the copies cost a write
-- when a policy, a line's guid or driver, or a system's guid changes, all
-- of them rare. server_security_policies stays the policies' record.

ALTER TABLE server_orders
    ADD COLUMN line_guid text,
    ADD COLUMN system_guid text,
    ADD COLUMN api_type text,
    ADD COLUMN security_policies json NOT NULL DEFAULT '[]';

-- The JSON array of the order's policies, with the fields of
-- get_security_policy (create_time as PostgreSQL writes a timestamptz;
-- the daemon turns it into the operator's zone).
CREATE FUNCTION zonkvmd_server_policies_json(order_id bigint) RETURNS json
LANGUAGE sql STABLE AS $$
    SELECT COALESCE(json_agg(json_build_object(
               'id', p.id, 'product_id', p.order_id, 'guid', p.guid,
               'name', p.name, 'weight', p.weight, 'direction', p.direction,
               'protocol', p.protocol, 'action', p.action,
               'remote_ip', p.remote_ip, 'local_port', p.local_port,
               'service_type', 'server', 'status', p.status,
               'create_time', p.create_time) ORDER BY p.id), '[]'::json)
    FROM server_security_policies p
    WHERE p.order_id = zonkvmd_server_policies_json.order_id
$$;

UPDATE server_orders o SET line_guid = l.guid, api_type = l.provider_driver FROM server_lines l WHERE l.id = o.line_id;
UPDATE server_orders o SET system_guid = s.guid FROM systems s WHERE s.id = o.system_id;
UPDATE server_orders o SET security_policies = zonkvmd_server_policies_json(o.id)
WHERE o.id IN (SELECT order_id FROM server_security_policies);
ALTER TABLE server_orders
    ALTER COLUMN line_guid SET NOT NULL,
    ALTER COLUMN system_guid SET NOT NULL,
    ALTER COLUMN api_type SET NOT NULL;

-- An order takes its line's and system's guids and driver when it is
-- inserted or moved to another line or system (a reinstall).
CREATE FUNCTION zonkvmd_server_order_catalogue() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT l.guid, l.provider_driver INTO NEW.line_guid, NEW.api_type FROM server_lines l WHERE l.id = NEW.line_id;
    SELECT s.guid INTO NEW.system_guid FROM systems s WHERE s.id = NEW.system_id;
    RETURN NEW;
END $$;
CREATE TRIGGER server_orders_catalogue BEFORE INSERT OR UPDATE OF line_id, system_id ON server_orders
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_server_order_catalogue();

-- A line whose guid or driver changes, and a system whose guid changes,
-- pass it to their orders.
CREATE FUNCTION zonkvmd_server_line_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE server_orders SET line_guid = NEW.guid, api_type = NEW.provider_driver WHERE line_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER server_lines_copied AFTER UPDATE OF guid, provider_driver ON server_lines
    FOR EACH ROW WHEN (OLD.guid IS DISTINCT FROM NEW.guid OR OLD.provider_driver IS DISTINCT FROM NEW.provider_driver)
    EXECUTE FUNCTION zonkvmd_server_line_changed();

CREATE FUNCTION zonkvmd_server_system_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE server_orders SET system_guid = NEW.guid WHERE system_id = NEW.id;
    RETURN NULL;
END $$;
CREATE TRIGGER systems_copied AFTER UPDATE OF guid ON systems
    FOR EACH ROW WHEN (OLD.guid IS DISTINCT FROM NEW.guid)
    EXECUTE FUNCTION zonkvmd_server_system_changed();

-- Every change of a policy rewrites its order's list (and the list of the
-- order it left, were one ever moved).
CREATE FUNCTION zonkvmd_server_policies_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE server_orders SET security_policies = zonkvmd_server_policies_json(OLD.order_id) WHERE id = OLD.order_id;
    END IF;
    IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.order_id <> OLD.order_id) THEN
        UPDATE server_orders SET security_policies = zonkvmd_server_policies_json(NEW.order_id) WHERE id = NEW.order_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER server_security_policies_copied AFTER INSERT OR UPDATE OR DELETE ON server_security_policies
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_server_policies_changed();
