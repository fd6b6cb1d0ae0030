-- sql_operate (issue 11): the hosts a database user may connect from, as
-- the reseller last set them (sql_reissue recreates the database with
-- them), and the backups and imports that run at the panel as jobs.
ALTER TABLE sql_orders ADD COLUMN access text NOT NULL DEFAULT '127.0.0.1';

-- hosting_add_database: a database bundled with a hosting order has no
-- product of its own (hosting_id names the hosting order).
ALTER TABLE sql_orders ALTER COLUMN product_id DROP NOT NULL;
ALTER TABLE sql_orders ADD CONSTRAINT sql_orders_product_or_hosting
    CHECK (product_id IS NOT NULL OR hosting_id <> 0);
CREATE UNIQUE INDEX sql_orders_bundled ON sql_orders (hosting_id) WHERE hosting_id <> 0 AND order_status <> -2;

-- One row per order and kind: the last backup or import asked for.
-- known_ids are the panel's backup ids of the database when the backup
-- was asked for: a backup that appears later is this one, so a retried
-- job never makes two.
CREATE TABLE sql_panel_work (
    order_id   bigint NOT NULL REFERENCES sql_orders (id),
    kind       text NOT NULL CHECK (kind IN ('backup', 'import')),
    state      text NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    known_ids  bigint[] NOT NULL DEFAULT '{}',
    file       text NOT NULL DEFAULT '',
    message    text NOT NULL DEFAULT '',
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (order_id, kind)
);
