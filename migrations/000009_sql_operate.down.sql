DROP TABLE sql_panel_work;
DROP INDEX sql_orders_bundled;
ALTER TABLE sql_orders DROP CONSTRAINT sql_orders_product_or_hosting;
DELETE FROM sql_orders WHERE product_id IS NULL;
ALTER TABLE sql_orders ALTER COLUMN product_id SET NOT NULL;
ALTER TABLE sql_orders DROP COLUMN access;
