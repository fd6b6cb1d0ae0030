-- zonkvmd schema, version 1: every table the product needs. Later versions
-- extend it. Money is numeric(14,2), factors numeric(6,2), times timestamptz.
-- Catalogue rows keep the API's field names in snake_case; a JSON text field
-- of the API (discount, bandwidth_stairs_price, power, ...) is stored as the
-- exact text the operator gave, validated as JSON on import, because jsonb
-- would re-space it.

-- Resellers, their keys and their money -----------------------------------

CREATE TABLE resellers (
    id             bigserial PRIMARY KEY,
    appid          text NOT NULL UNIQUE CHECK (appid ~ '^[0-9A-Za-z]{6,32}$'),
    name           text NOT NULL UNIQUE CHECK (name <> ''),
    key_hash       bytea NOT NULL,              -- sha256(appkey); the key itself is never stored
    key_rotated_at timestamptz NOT NULL DEFAULT now(),
    enabled        boolean NOT NULL DEFAULT true,
    api_enabled    boolean NOT NULL DEFAULT true,
    allow_ips      cidr[] NOT NULL DEFAULT '{}', -- empty: any address
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);

-- One account per reseller. The CHECK is the last line of defence of
-- billing.md §1: a charge may never take the balance below -credit_limit.
CREATE TABLE accounts (
    reseller_id  bigint PRIMARY KEY REFERENCES resellers (id),
    balance      numeric(14,2) NOT NULL DEFAULT 0,
    credit_limit numeric(14,2) NOT NULL DEFAULT 0 CHECK (credit_limit >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (balance >= -credit_limit)
);

-- The append-only ledger: one row per change of a balance.
CREATE TABLE ledger_entries (
    id            bigserial PRIMARY KEY,
    reseller_id   bigint NOT NULL REFERENCES resellers (id),
    kind          text NOT NULL CHECK (kind IN
                  ('topup', 'adjust', 'credit', 'purchase', 'renew', 'upgrade', 'refund', 'auto_renew')),
    amount        numeric(14,2) NOT NULL,
    balance_after numeric(14,2) NOT NULL,
    credit_limit  numeric(14,2) NOT NULL,       -- the limit in force after this entry
    business      text CHECK (business IN ('server', 'lease', 'idc', 'hosting', 'sql')),
    order_id      bigint,
    reference     text,                          -- the reseller's order_id / client_order_id
    service_from  timestamptz,
    service_to    timestamptz,
    coupon_id     bigint,
    note          text NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    CHECK ((business IS NULL) = (order_id IS NULL)),
    CHECK ((service_from IS NULL) = (service_to IS NULL)),
    CHECK (service_from IS NULL OR service_from < service_to)
);
CREATE INDEX ledger_entries_reseller ON ledger_entries (reseller_id, id);
CREATE INDEX ledger_entries_order ON ledger_entries (business, order_id) WHERE order_id IS NOT NULL;

CREATE FUNCTION zonkvmd_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
    FOR EACH ROW EXECUTE FUNCTION zonkvmd_append_only();

-- The catalogue -------------------------------------------------------------
-- Every row has an internal id (the API's lineID, foreign keys) and the guid
-- the API shows. Rows are upserted by guid, so ids survive re-imports.

CREATE TABLE zones (
    id                bigserial PRIMARY KEY,
    guid              text NOT NULL UNIQUE,
    name              text NOT NULL,
    status            smallint NOT NULL DEFAULT 1 CHECK (status IN (0, 1)),
    identity_status   smallint NOT NULL DEFAULT 0 CHECK (identity_status IN (0, 1)),
    white_list_status smallint NOT NULL DEFAULT 0 CHECK (white_list_status IN (0, 1)),
    sort              integer NOT NULL DEFAULT 0
);

-- getsystems.type_name comes from here.
CREATE TABLE system_types (
    id   integer PRIMARY KEY,
    name text NOT NULL
);
INSERT INTO system_types (id, name) VALUES (1, 'Windows'), (2, 'Linux'), (3, 'Other');

CREATE TABLE systems (
    id                 bigserial PRIMARY KEY,
    guid               text NOT NULL UNIQUE,
    type_id            integer NOT NULL REFERENCES system_types (id),
    status             smallint NOT NULL DEFAULT 1 CHECK (status IN (0, 1)),
    name               text NOT NULL,
    login_name         text NOT NULL DEFAULT '',
    login_password_enc bytea,                    -- sealed with the secret key; the API shows ***
    port               text NOT NULL DEFAULT '',
    mirror_name        text NOT NULL DEFAULT '',
    cpu_limit          integer NOT NULL DEFAULT 0,
    ram_limit          integer NOT NULL DEFAULT 0,
    type               text NOT NULL DEFAULT 'create,install',
    system_harddisk    integer NOT NULL DEFAULT 0,
    support            text NOT NULL DEFAULT '',
    zone_guids         text[] NOT NULL DEFAULT '{}', -- the API's "lines", in the given order
    sort               integer NOT NULL DEFAULT 0,
    create_time        timestamptz NOT NULL DEFAULT now(),
    update_time        timestamptz NOT NULL DEFAULT now()
);

-- getlines. Private: unit prices and limits of billing.md §2, open_api,
-- refund_days, retention_days and the provider.
CREATE TABLE server_lines (
    id                     bigserial PRIMARY KEY,
    guid                   text NOT NULL UNIQUE,
    zone_id                bigint NOT NULL REFERENCES zones (id),
    name                   text NOT NULL,
    descript               text NOT NULL DEFAULT '',
    intro_url              text NOT NULL DEFAULT '',
    buy_status             smallint NOT NULL DEFAULT 1,
    upgrade_status         smallint NOT NULL DEFAULT 1,
    renew_status           smallint NOT NULL DEFAULT 1,
    harddisk_min_num       integer NOT NULL DEFAULT 1,
    harddisk_max_num       integer NOT NULL DEFAULT 1,
    harddisk_min_size      integer NOT NULL DEFAULT 0,
    harddisk_max_size      integer NOT NULL DEFAULT 0,
    harddisk_step          integer NOT NULL DEFAULT 1,
    harddisk_price         numeric(14,2) NOT NULL DEFAULT 0,
    harddisk_free_size     integer NOT NULL DEFAULT 0,
    bandwidth_min_size     integer NOT NULL DEFAULT 1,
    bandwidth_max_size     integer NOT NULL DEFAULT 1,
    bandwidth_free_size    integer NOT NULL DEFAULT 0,
    bandwidth_in_type      smallint NOT NULL DEFAULT 1,
    bandwidth_in_value     integer NOT NULL DEFAULT 0,
    bandwidth6_price       numeric(14,2) NOT NULL DEFAULT 0,
    bandwidth_stairs_price text NOT NULL DEFAULT '[]',
    defense_min_size       integer NOT NULL DEFAULT 0,
    defense_max_size       integer NOT NULL DEFAULT 0,
    defense_free_size      integer NOT NULL DEFAULT 0,
    defense_price          numeric(14,2) NOT NULL DEFAULT 0,
    months                 text NOT NULL DEFAULT '1',
    status                 smallint NOT NULL DEFAULT 1,
    markup                 numeric(6,2) NOT NULL DEFAULT 1,
    discount               text NOT NULL DEFAULT '[]',
    lines_product_type     text NOT NULL DEFAULT '1' CHECK (lines_product_type IN ('1', '2')),
    cpu_price              numeric(14,2) NOT NULL DEFAULT 0,
    memory_price           numeric(14,2) NOT NULL DEFAULT 0,
    ip_price               numeric(14,2) NOT NULL DEFAULT 0,
    cpu_min_num            integer NOT NULL DEFAULT 1,
    cpu_max_num            integer NOT NULL DEFAULT 64,
    memory_min_size        integer NOT NULL DEFAULT 1,
    memory_max_size        integer NOT NULL DEFAULT 256,
    ip_max_num             integer NOT NULL DEFAULT 1,
    open_api               smallint NOT NULL DEFAULT 1,
    refund_days            integer NOT NULL DEFAULT 0,
    retention_days         integer NOT NULL DEFAULT 7,
    provider_driver        text NOT NULL,
    provider_config        bytea                     -- sealed JSON of the provider object
);

-- getproduct: the packages of a package line (lines_product_type 2).
CREATE TABLE server_packages (
    id          bigserial PRIMARY KEY,
    line_id     bigint NOT NULL REFERENCES server_lines (id),
    name        text NOT NULL,
    cpu         integer NOT NULL,
    memory      integer NOT NULL,
    systemdisk  integer NOT NULL DEFAULT 0,
    harddisk    integer NOT NULL DEFAULT 0,
    ipnum       integer NOT NULL DEFAULT 1,
    bandwidth   integer NOT NULL DEFAULT 0,
    defense     integer NOT NULL DEFAULT 0,
    price       numeric(14,2) NOT NULL,
    description text,                                -- null in the document's example
    sort        integer NOT NULL DEFAULT 0,
    status      smallint NOT NULL DEFAULT 1,
    UNIQUE (line_id, name)
);

CREATE TABLE lease_lines (
    id                     bigserial PRIMARY KEY,
    guid                   text NOT NULL UNIQUE,
    zone_id                bigint NOT NULL REFERENCES zones (id),
    status                 smallint NOT NULL DEFAULT 1,
    name                   text NOT NULL,
    descript               text NOT NULL DEFAULT '',
    intro_url              text NOT NULL DEFAULT '',
    buy_status             smallint NOT NULL DEFAULT 1,
    renew_status           smallint NOT NULL DEFAULT 1,
    upgrade_status         smallint NOT NULL DEFAULT 1,
    defense_status         smallint NOT NULL DEFAULT 1,
    buy_order_max_num      integer NOT NULL DEFAULT 1,
    life_time              integer NOT NULL DEFAULT 0,
    bandwidth_share_size   integer NOT NULL DEFAULT 0,
    bandwidth_share_price  numeric(14,2) NOT NULL DEFAULT 0,
    bandwidth_price        numeric(14,2) NOT NULL DEFAULT 0,
    bandwidth_stairs_price text NOT NULL DEFAULT '[]',
    bandwidth_max_size     integer NOT NULL DEFAULT 0,
    ip_price               numeric(14,2) NOT NULL DEFAULT 0,
    ip_min_size            integer NOT NULL DEFAULT 1,
    ip_max_size            integer NOT NULL DEFAULT 1,
    ip_free_size           integer NOT NULL DEFAULT 0,
    ip_num_list            text NOT NULL DEFAULT '',
    defense_price          numeric(14,2) NOT NULL DEFAULT 0,
    defense_max_size       integer NOT NULL DEFAULT 0,
    defense_num_list       text NOT NULL DEFAULT '',
    defense_step           integer NOT NULL DEFAULT 0,
    release_hour           integer NOT NULL DEFAULT 0,
    months                 text NOT NULL DEFAULT '1',
    ip_upgrade_type        text NOT NULL DEFAULT '1',
    user_vnc               smallint NOT NULL DEFAULT 1,
    retention_days         integer NOT NULL DEFAULT 7,
    bandwidth_in_type      smallint NOT NULL DEFAULT 1,
    bandwidth_in_value     integer NOT NULL DEFAULT 0,
    discount1              numeric(6,2) NOT NULL DEFAULT 0,
    discount2              numeric(6,2) NOT NULL DEFAULT 0,
    discount3              numeric(6,2) NOT NULL DEFAULT 0,
    bandwidth_step         integer NOT NULL DEFAULT 1,
    ip_bandwidth_rate      text NOT NULL DEFAULT '0',
    refund_days            integer NOT NULL DEFAULT 0,
    provider_driver        text NOT NULL,
    provider_config        bytea
);

CREATE TABLE lease_harddisks (
    id     bigserial PRIMARY KEY,
    guid   text NOT NULL UNIQUE,
    type   text NOT NULL,
    size   integer NOT NULL,
    status smallint NOT NULL DEFAULT 1
);

CREATE TABLE lease_products (
    id                       bigserial PRIMARY KEY,
    guid                     text NOT NULL UNIQUE,
    product_type             text NOT NULL DEFAULT 'local',
    name                     text NOT NULL,
    line_guids               text[] NOT NULL,   -- the API's line_guid, comma-separated
    cpu_value                integer NOT NULL DEFAULT 0,
    cpu                      text NOT NULL DEFAULT '',
    cpu_num                  integer NOT NULL DEFAULT 1,
    cpu_max_num              integer NOT NULL DEFAULT 1,
    memory                   text NOT NULL DEFAULT '',
    memory_num               integer NOT NULL DEFAULT 0,
    memory_max_num           integer NOT NULL DEFAULT 0,
    harddisk_guid            text NOT NULL DEFAULT '',
    harddisk_max_num         integer NOT NULL DEFAULT 0,
    system_partition_size    integer NOT NULL DEFAULT 0,
    system_partition_support text NOT NULL DEFAULT '0',
    raid_tips                text NOT NULL DEFAULT '',
    ipnum                    text NOT NULL DEFAULT '1',
    bandwidth                integer NOT NULL DEFAULT 0,
    defense                  integer NOT NULL DEFAULT 0,
    main_board               text NOT NULL DEFAULT '',
    price                    numeric(14,2) NOT NULL,
    size                     integer NOT NULL DEFAULT 1,
    description              text NOT NULL DEFAULT '',
    status                   smallint NOT NULL DEFAULT 1,
    upgrade_status           smallint NOT NULL DEFAULT 1,
    recommend_status         smallint NOT NULL DEFAULT 0,
    stock_type               smallint NOT NULL DEFAULT 1,
    cpu_threads              integer NOT NULL DEFAULT 0,
    gpu                      text NOT NULL DEFAULT '',
    refund_days              integer NOT NULL DEFAULT 0
);

-- The bare-metal inventory (operator.md). A lease order holds one machine.
CREATE TABLE lease_machines (
    id               bigserial PRIMARY KEY,
    guid             text NOT NULL UNIQUE,
    product_id       bigint NOT NULL REFERENCES lease_products (id),
    line_id          bigint NOT NULL REFERENCES lease_lines (id),
    name             text NOT NULL,
    cabinet_sn       text NOT NULL DEFAULT '',
    main_board       text NOT NULL DEFAULT '',
    ip               text NOT NULL DEFAULT '[]',   -- [{"ip","subnet","gateway"}]
    bmc_host         text NOT NULL DEFAULT '',
    bmc_port         integer NOT NULL DEFAULT 623,
    bmc_username     text NOT NULL DEFAULT '',
    bmc_password_enc bytea,
    status           text NOT NULL DEFAULT 'free' CHECK (status IN ('free', 'used', 'broken'))
);
CREATE INDEX lease_machines_free ON lease_machines (product_id, line_id) WHERE status = 'free';

CREATE TABLE idc_lines (
    id                     bigserial PRIMARY KEY,
    guid                   text NOT NULL UNIQUE,
    zone_id                bigint NOT NULL REFERENCES zones (id),
    status                 smallint NOT NULL DEFAULT 1,
    name                   text NOT NULL,
    descript               text NOT NULL DEFAULT '',
    bandwidth_price        numeric(14,2) NOT NULL DEFAULT 0,
    bandwidth_stairs_price text NOT NULL DEFAULT '[]',
    bandwidth_max_size     integer NOT NULL DEFAULT 0,
    bandwidth_step         integer NOT NULL DEFAULT 1,
    ip_price               numeric(14,2) NOT NULL DEFAULT 0,
    ip_min_size            integer NOT NULL DEFAULT 1,
    ip_max_size            integer NOT NULL DEFAULT 1,
    ip_free_size           integer NOT NULL DEFAULT 0,
    ip_num_list            text NOT NULL DEFAULT '',
    defense_price          numeric(14,2) NOT NULL DEFAULT 0,
    defense_max_size       integer NOT NULL DEFAULT 0,
    defense_num_list       text NOT NULL DEFAULT '',
    defense_step           integer NOT NULL DEFAULT 0,
    months                 text NOT NULL DEFAULT '1',
    retention_days         integer NOT NULL DEFAULT 7,
    discount1              numeric(6,2) NOT NULL DEFAULT 0,
    discount2              numeric(6,2) NOT NULL DEFAULT 0,
    discount3              numeric(6,2) NOT NULL DEFAULT 0,
    buy_status             smallint NOT NULL DEFAULT 1,
    renew_status           smallint NOT NULL DEFAULT 1,
    upgrade_status         smallint NOT NULL DEFAULT 1,
    buy_order_max_num      integer NOT NULL DEFAULT 20,
    sort                   integer NOT NULL DEFAULT 0,
    refund_days            integer NOT NULL DEFAULT 0,
    provider_driver        text NOT NULL,
    provider_config        bytea
);

CREATE TABLE idc_products (
    id            bigserial PRIMARY KEY,
    guid          text NOT NULL UNIQUE,
    product_type  integer NOT NULL DEFAULT 1,
    name          text NOT NULL,
    line_guids    text[] NOT NULL,
    power         text NOT NULL DEFAULT '[]',   -- [{"name","price"}]
    bandwidth     integer NOT NULL DEFAULT 0,
    defense       integer NOT NULL DEFAULT 0,
    ipnum         text NOT NULL DEFAULT '1',
    price         numeric(14,2) NOT NULL,
    size          text NOT NULL DEFAULT '',
    description   text NOT NULL DEFAULT '',
    status        smallint NOT NULL DEFAULT 1,
    market_status smallint NOT NULL DEFAULT 1,
    stock_type    smallint NOT NULL DEFAULT 1,
    sort          integer NOT NULL DEFAULT 0,
    server_group  text NOT NULL DEFAULT '',
    refund_days   integer NOT NULL DEFAULT 0
);

CREATE TABLE hosting_lines (
    id              bigserial PRIMARY KEY,
    guid            text NOT NULL UNIQUE,
    name            text NOT NULL,
    domain          text NOT NULL DEFAULT '',
    ip              text NOT NULL DEFAULT '',
    status          smallint NOT NULL DEFAULT 1,
    stock           smallint NOT NULL DEFAULT 1,
    descript        text NOT NULL DEFAULT '',
    cname           text NOT NULL DEFAULT '',
    sort            integer NOT NULL DEFAULT 0,
    white           smallint NOT NULL DEFAULT 0,
    renew           smallint NOT NULL DEFAULT 1,
    retention_days  integer NOT NULL DEFAULT 7,
    provider_driver text NOT NULL,
    provider_config bytea
);

CREATE TABLE hosting_products (
    id            bigserial PRIMARY KEY,
    guid          text NOT NULL UNIQUE,
    name          text NOT NULL,
    line_guids    text[] NOT NULL,
    "desc"        text NOT NULL DEFAULT '',
    price         numeric(14,2) NOT NULL,
    months        text NOT NULL DEFAULT '1',
    discount      text NOT NULL DEFAULT '[]',
    disk          integer NOT NULL DEFAULT 0,
    db            integer NOT NULL DEFAULT 0,
    domain        integer NOT NULL DEFAULT 0,
    domainsub     integer NOT NULL DEFAULT 0,
    flow          integer NOT NULL DEFAULT 0,
    max_flow      integer NOT NULL DEFAULT 0,
    up_flow       integer NOT NULL DEFAULT 0,
    up_flow_price numeric(14,2) NOT NULL DEFAULT 0,
    def           integer NOT NULL DEFAULT 0,
    buy_limit     integer NOT NULL DEFAULT 0,
    is_limit_rate smallint NOT NULL DEFAULT 0,
    perserver     integer NOT NULL DEFAULT 0,
    perip         integer NOT NULL DEFAULT 0,
    limit_rate    integer NOT NULL DEFAULT 0,
    timeout       integer NOT NULL DEFAULT 0,
    sort          integer NOT NULL DEFAULT 0,
    stock         smallint NOT NULL DEFAULT 1,
    status        smallint NOT NULL DEFAULT 1,
    suggest       smallint NOT NULL DEFAULT 0,
    upgradation   smallint NOT NULL DEFAULT 1,
    refund_days   integer NOT NULL DEFAULT 0
);

-- Cloud databases live on the hosting lines' panels.
CREATE TABLE sql_products (
    id          bigserial PRIMARY KEY,
    guid        text NOT NULL UNIQUE,
    name        text NOT NULL,
    line_guids  text[] NOT NULL,
    "desc"      text NOT NULL DEFAULT '',
    price       numeric(14,2) NOT NULL,
    months      text NOT NULL DEFAULT '1',
    discount    text NOT NULL DEFAULT '[]',
    db          integer NOT NULL DEFAULT 0,
    buy_limit   integer NOT NULL DEFAULT 0,
    timeout     integer NOT NULL DEFAULT 0,
    sort        integer NOT NULL DEFAULT 0,
    stock       smallint NOT NULL DEFAULT 1,
    status      smallint NOT NULL DEFAULT 1,
    suggest     smallint NOT NULL DEFAULT 0,
    upgradation smallint NOT NULL DEFAULT 1,
    refund_days integer NOT NULL DEFAULT 0
);

-- Coupons of billing.md §7. reseller_id NULL: every reseller.
CREATE TABLE coupons (
    id          bigint PRIMARY KEY,
    reseller_id bigint REFERENCES resellers (id),
    businesses  text[] NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('amount', 'percent')),
    value       numeric(14,2) NOT NULL CHECK (value > 0),
    min_amount  numeric(14,2) NOT NULL DEFAULT 0,
    valid_from  timestamptz NOT NULL,
    valid_until timestamptz NOT NULL,
    uses        integer NOT NULL CHECK (uses >= 0),
    CHECK (valid_from < valid_until)
);

CREATE TABLE coupon_uses (
    id          bigserial PRIMARY KEY,
    coupon_id   bigint NOT NULL REFERENCES coupons (id),
    reseller_id bigint NOT NULL REFERENCES resellers (id),
    ledger_id   bigint NOT NULL REFERENCES ledger_entries (id),
    discount    numeric(14,2) NOT NULL,
    used_at     timestamptz NOT NULL DEFAULT now()
);

-- Orders: one table (and so one id sequence) per business ----------------------
-- Columns shared by all five: reseller, the reseller's references, the
-- service window and the three status fields of semantics.md §4.
-- order_status: 0 开通中, 1 正常, 3 已过期, -1 已回收, -2 已删除.

CREATE TABLE server_orders (
    id                 bigserial PRIMARY KEY,
    reseller_id        bigint NOT NULL REFERENCES resellers (id),
    order_no           text NOT NULL,               -- create_order's order_id
    user_id            bigint NOT NULL DEFAULT 0,
    client_user_id     bigint NOT NULL DEFAULT 0,
    line_id            bigint NOT NULL REFERENCES server_lines (id),
    system_id          bigint NOT NULL REFERENCES systems (id),
    package_id         bigint REFERENCES server_packages (id),
    ip                 text NOT NULL DEFAULT '',
    local_ip           text NOT NULL DEFAULT '',
    cpu                integer NOT NULL,
    memory             integer NOT NULL,
    harddisks          text NOT NULL,
    bandwidth          integer NOT NULL,
    in_bandwidth       text NOT NULL DEFAULT '',
    defense            integer NOT NULL DEFAULT 0,
    ip_num             integer NOT NULL DEFAULT 1,
    login_name         text NOT NULL DEFAULT '',
    login_password_enc bytea,
    vnc_password_enc   bytea,
    buy_time           timestamptz NOT NULL,
    end_time           timestamptz NOT NULL,
    months             integer NOT NULL DEFAULT 1,
    monthly_price      numeric(14,2) NOT NULL DEFAULT 0,
    renew_auto         smallint NOT NULL DEFAULT 0,
    order_status       smallint NOT NULL DEFAULT 0 CHECK (order_status IN (0, 1, 3, -1, -2)),
    run_status         smallint NOT NULL DEFAULT 1 CHECK (run_status IN (-2, -1, 1)),
    act_status         smallint NOT NULL DEFAULT 0,
    snap_status        smallint NOT NULL DEFAULT 0,
    need_reset_vnc     smallint NOT NULL DEFAULT 0,
    vnc_port           integer NOT NULL DEFAULT 0,
    share_type         smallint NOT NULL DEFAULT 0,
    login_port         integer NOT NULL DEFAULT 0,
    share_ip           text NOT NULL DEFAULT '',
    append_ip          text NOT NULL DEFAULT '[]',
    port_forwards      text NOT NULL DEFAULT '[]',  -- the API's "port"
    provider_ref       text NOT NULL DEFAULT '',    -- the provider's id of the resource
    status_reason      text NOT NULL DEFAULT '',    -- why it failed or was removed, for the operator
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX server_orders_reseller ON server_orders (reseller_id, id);
CREATE INDEX server_orders_end ON server_orders (end_time) WHERE order_status IN (1, 3);

CREATE TABLE server_security_policies (
    id          bigserial PRIMARY KEY,
    order_id    bigint NOT NULL REFERENCES server_orders (id),
    guid        text NOT NULL UNIQUE,
    name        text NOT NULL,
    weight      integer NOT NULL CHECK (weight BETWEEN 1 AND 1000),
    direction   text NOT NULL CHECK (direction IN ('Inbound', 'Outbound')),
    protocol    text NOT NULL CHECK (protocol IN ('tcp', 'udp', 'icmp', 'all')),
    action      text NOT NULL CHECK (action IN ('allow', 'deny')),
    remote_ip   text NOT NULL,
    local_port  text NOT NULL DEFAULT '',
    status      smallint NOT NULL DEFAULT 1,
    create_time timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX server_security_policies_order ON server_security_policies (order_id);

CREATE TABLE lease_orders (
    id                 bigserial PRIMARY KEY,
    reseller_id        bigint NOT NULL REFERENCES resellers (id),
    order_no           text NOT NULL,
    user_id            bigint NOT NULL DEFAULT 0,
    client_user_id     bigint NOT NULL DEFAULT 0,
    line_id            bigint NOT NULL REFERENCES lease_lines (id),
    product_id         bigint NOT NULL REFERENCES lease_products (id),
    machine_id         bigint REFERENCES lease_machines (id),
    system_id          bigint REFERENCES systems (id),
    bandwidth          integer NOT NULL,
    defense            integer NOT NULL DEFAULT 0,
    ipnum              integer NOT NULL DEFAULT 1,
    login_name         text NOT NULL DEFAULT '',
    login_password_enc bytea,
    system_port        text NOT NULL DEFAULT '',
    buy_time           timestamptz NOT NULL,
    start_time         timestamptz,
    end_time           timestamptz NOT NULL,
    months             integer NOT NULL DEFAULT 1,
    monthly_price      numeric(14,2) NOT NULL DEFAULT 0,
    renew_auto         smallint NOT NULL DEFAULT 0,
    order_status       smallint NOT NULL DEFAULT 0 CHECK (order_status IN (0, 1, 3, -1, -2)),
    run_status         smallint NOT NULL DEFAULT 1 CHECK (run_status IN (-2, -1, 1)),
    act_status         smallint NOT NULL DEFAULT 0,
    provider_ref       text NOT NULL DEFAULT '',
    status_reason      text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lease_orders_reseller ON lease_orders (reseller_id, id);
CREATE INDEX lease_orders_end ON lease_orders (end_time) WHERE order_status IN (1, 3);
-- A machine serves at most one live order.
CREATE UNIQUE INDEX lease_orders_machine ON lease_orders (machine_id) WHERE order_status IN (0, 1, 3);

CREATE TABLE idc_orders (
    id                 bigserial PRIMARY KEY,
    reseller_id        bigint NOT NULL REFERENCES resellers (id),
    order_no           text NOT NULL,
    user_id            bigint NOT NULL DEFAULT 0,
    client_user_id     bigint NOT NULL DEFAULT 0,
    line_id            bigint NOT NULL REFERENCES idc_lines (id),
    product_id         bigint NOT NULL REFERENCES idc_products (id),
    name               text NOT NULL DEFAULT '',
    power              text NOT NULL DEFAULT '',
    bandwidth          integer NOT NULL,
    defense            integer NOT NULL DEFAULT 0,
    ipnum              integer NOT NULL DEFAULT 1,
    ip                 text NOT NULL DEFAULT '[]',
    cabinet_sn         text NOT NULL DEFAULT '',
    bmc_host           text NOT NULL DEFAULT '',
    bmc_port           integer NOT NULL DEFAULT 623,
    bmc_username       text NOT NULL DEFAULT '',
    bmc_password_enc   bytea,
    system_id          bigint REFERENCES systems (id),
    system_port        text NOT NULL DEFAULT '',
    login_name         text NOT NULL DEFAULT '',
    login_password_enc bytea,
    buy_time           timestamptz NOT NULL,
    start_time         timestamptz,
    end_time           timestamptz NOT NULL,
    months             integer NOT NULL DEFAULT 1,
    monthly_price      numeric(14,2) NOT NULL DEFAULT 0,
    renew_auto         smallint NOT NULL DEFAULT 0,
    order_status       smallint NOT NULL DEFAULT 0 CHECK (order_status IN (0, 1, 3, -1, -2)),
    run_status         smallint NOT NULL DEFAULT 1 CHECK (run_status IN (-2, -1, 1)),
    act_status         smallint NOT NULL DEFAULT 0,
    status_reason      text NOT NULL DEFAULT '',
    created_at         timestamptz NOT NULL DEFAULT now(),
    updated_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX idc_orders_reseller ON idc_orders (reseller_id, id);
CREATE INDEX idc_orders_end ON idc_orders (end_time) WHERE order_status IN (1, 3);

CREATE TABLE hosting_orders (
    id               bigserial PRIMARY KEY,
    reseller_id      bigint NOT NULL REFERENCES resellers (id),
    order_no         text NOT NULL,
    user_id          bigint NOT NULL DEFAULT 0,
    client_user_id   bigint NOT NULL DEFAULT 0,
    line_id          bigint NOT NULL REFERENCES hosting_lines (id),
    product_id       bigint NOT NULL REFERENCES hosting_products (id),
    name             text NOT NULL,
    domain           text NOT NULL DEFAULT '',
    domain_list      text NOT NULL DEFAULT '[]',
    path             text NOT NULL DEFAULT '',
    use_disk         integer NOT NULL DEFAULT 0,
    db_type          text NOT NULL DEFAULT 'mysql',
    db_code          text NOT NULL DEFAULT 'utf8',
    program          text NOT NULL DEFAULT 'php',
    program_version  text NOT NULL DEFAULT '',
    use_flow         integer NOT NULL DEFAULT 0,
    flow             integer NOT NULL,
    ftpport          integer NOT NULL DEFAULT 21,
    ftp_id           bigint NOT NULL DEFAULT 0,
    ftp_status       smallint NOT NULL DEFAULT 1,
    ftp_name         text NOT NULL,
    ftp_password_enc bytea,
    site_id          bigint NOT NULL DEFAULT 0,      -- the panel's site id
    buy_time         timestamptz NOT NULL,
    start_time       timestamptz NOT NULL,
    end_time         timestamptz NOT NULL,
    order_status     smallint NOT NULL DEFAULT 0 CHECK (order_status IN (0, 1, 3, -1, -2)),
    run_status       smallint NOT NULL DEFAULT 1 CHECK (run_status IN (-2, -1, 1)),
    act_status       smallint NOT NULL DEFAULT 0,
    remarks          text NOT NULL DEFAULT '',
    renew_auto       smallint NOT NULL DEFAULT 0,
    renew_price      numeric(14,2) NOT NULL DEFAULT 0,
    buymonths        integer NOT NULL DEFAULT 1,
    status_reason    text NOT NULL DEFAULT '',
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX hosting_orders_reseller ON hosting_orders (reseller_id, id);
CREATE INDEX hosting_orders_end ON hosting_orders (end_time) WHERE order_status IN (1, 3);
CREATE UNIQUE INDEX hosting_orders_ftp_name ON hosting_orders (line_id, ftp_name) WHERE order_status <> -2;

CREATE TABLE sql_orders (
    id              bigserial PRIMARY KEY,
    reseller_id     bigint NOT NULL REFERENCES resellers (id),
    order_no        text NOT NULL,
    user_id         bigint NOT NULL DEFAULT 0,
    client_user_id  bigint NOT NULL DEFAULT 0,
    hosting_id      bigint NOT NULL DEFAULT 0,       -- 0: a database of its own
    line_id         bigint NOT NULL REFERENCES hosting_lines (id),
    product_id      bigint NOT NULL REFERENCES sql_products (id),
    name            text NOT NULL,
    use_disk        integer NOT NULL DEFAULT 0,
    db_type         text NOT NULL DEFAULT 'mysql',
    db_code         text NOT NULL DEFAULT 'utf8mb4',
    db_name         text NOT NULL,
    db_user         text NOT NULL,
    db_password_enc bytea,
    panel_db_id     bigint NOT NULL DEFAULT 0,
    buy_time        timestamptz NOT NULL,
    start_time      timestamptz NOT NULL,
    end_time        timestamptz NOT NULL,
    order_status    smallint NOT NULL DEFAULT 0 CHECK (order_status IN (0, 1, 3, -1, -2)),
    run_status      smallint NOT NULL DEFAULT 1 CHECK (run_status IN (-2, -1, 1)),
    act_status      smallint NOT NULL DEFAULT 0,
    remarks         text NOT NULL DEFAULT '',
    renew_auto      smallint NOT NULL DEFAULT 0,
    renew_price     numeric(14,2) NOT NULL DEFAULT 0,
    buymonths       integer NOT NULL DEFAULT 1,
    status_reason   text NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX sql_orders_reseller ON sql_orders (reseller_id, id);
CREATE INDEX sql_orders_end ON sql_orders (end_time) WHERE order_status IN (1, 3);
CREATE UNIQUE INDEX sql_orders_db_name ON sql_orders (line_id, db_name) WHERE order_status <> -2;

-- Idempotency: create_order on (reseller, order_id), renew/upgrade on
-- (reseller, client_order_id). The first answer is kept and given again.
CREATE TABLE idempotency_keys (
    reseller_id  bigint NOT NULL REFERENCES resellers (id),
    scope        text NOT NULL CHECK (scope IN ('create_order', 'client_order')),
    key          text NOT NULL CHECK (key <> ''),
    request_hash bytea NOT NULL,
    response     jsonb NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (reseller_id, scope, key)
);

-- Work for staff: what the manual driver and colocation provisioning need.
-- Durable jobs for the provider drivers are River's tables (riverqueue/river),
-- installed by its own migrator from `zonkvmd migrate` when the job issue lands.
CREATE TABLE operator_tasks (
    id         bigserial PRIMARY KEY,
    business   text NOT NULL CHECK (business IN ('server', 'lease', 'idc', 'hosting', 'sql')),
    order_id   bigint NOT NULL,
    kind       text NOT NULL,                 -- provision, start, stop, restart, install, ...
    status     text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'done', 'failed', 'cancelled')),
    payload    jsonb NOT NULL DEFAULT '{}',
    result     jsonb NOT NULL DEFAULT '{}',
    note       text NOT NULL DEFAULT '',
    created_at timestamptz NOT NULL DEFAULT now(),
    done_at    timestamptz
);
CREATE INDEX operator_tasks_open ON operator_tasks (id) WHERE status = 'open';
