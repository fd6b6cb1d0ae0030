ALTER TABLE lease_orders DROP COLUMN extra_ips;
