-- hosting_file_selections keeps each hosting order's batch selection
-- (hosting_set_batch_data with Copy or Cut) until hosting_batch_paste uses
-- it. The panel keeps its own selection in the caller's session, which
-- every order on a panel would share; zonkvmd sends the selection and the
-- paste together on a panel session of their own instead.
CREATE TABLE hosting_file_selections (
    order_id   bigint PRIMARY KEY REFERENCES hosting_orders (id) ON DELETE CASCADE,
    dir        text NOT NULL,
    names      jsonb NOT NULL,
    cut        boolean NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
