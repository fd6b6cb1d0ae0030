-- The extra addresses of a lease (ipnum above one) as its provider reports
-- them: JSON text of a list of address strings. The main address stays the
-- inventory machine's (lease_machines.ip); getlease shows both in ip.
ALTER TABLE lease_orders ADD COLUMN extra_ips text NOT NULL DEFAULT '[]';
