DROP TABLE IF EXISTS operator_tasks, idempotency_keys,
  server_security_policies, server_orders, lease_orders, idc_orders,
  hosting_orders, sql_orders,
  coupon_uses, coupons, lease_machines, sql_products, hosting_products,
  hosting_lines, idc_products, idc_lines, lease_products, lease_harddisks,
  lease_lines, server_packages, server_lines, systems, system_types, zones,
  ledger_entries, accounts, resellers CASCADE;
DROP FUNCTION IF EXISTS zonkvmd_append_only() CASCADE;
