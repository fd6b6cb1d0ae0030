DROP TRIGGER server_security_policies_copied ON server_security_policies;
DROP FUNCTION zonkvmd_server_policies_changed();
DROP TRIGGER systems_copied ON systems;
DROP FUNCTION zonkvmd_server_system_changed();
DROP TRIGGER server_lines_copied ON server_lines;
DROP FUNCTION zonkvmd_server_line_changed();
DROP TRIGGER server_orders_catalogue ON server_orders;
DROP FUNCTION zonkvmd_server_order_catalogue();
DROP FUNCTION zonkvmd_server_policies_json(bigint);
ALTER TABLE server_orders
    DROP COLUMN line_guid,
    DROP COLUMN system_guid,
    DROP COLUMN api_type,
    DROP COLUMN security_policies;
