package admin

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// scrapeTimeout bounds the queries of one scrape.
const scrapeTimeout = 5 * time.Second

// A query of the scrape: its label columns are text, its last column the
// value as float8.
type query struct {
	name string
	desc *prometheus.Desc
	sql  string
}

var queries = []query{
	{"jobs", prometheus.NewDesc("zonkvmd_jobs", "Jobs River keeps, by kind and state.", []string{"kind", "state"}, nil),
		`SELECT kind, state::text, count(*)::float8 FROM river_job GROUP BY 1, 2`},
	{"job_failures", prometheus.NewDesc("zonkvmd_job_failures",
		"Failed attempts recorded on the jobs River keeps (it keeps finished jobs a day, discarded ones a week), by kind.",
		[]string{"kind"}, nil),
		`SELECT kind, sum(coalesce(array_length(errors, 1), 0))::float8 FROM river_job GROUP BY 1`},
	{"orders", prometheus.NewDesc("zonkvmd_orders",
		"Orders by business and order_status (0 开通中, 1 正常, 3 已过期, -1 已回收, -2 已删除).",
		[]string{"business", "state"}, nil), `
		SELECT 'server', order_status::text, count(*)::float8 FROM server_orders GROUP BY 2
		UNION ALL SELECT 'lease', order_status::text, count(*)::float8 FROM lease_orders GROUP BY 2
		UNION ALL SELECT 'idc', order_status::text, count(*)::float8 FROM idc_orders GROUP BY 2
		UNION ALL SELECT 'hosting', order_status::text, count(*)::float8 FROM hosting_orders GROUP BY 2
		UNION ALL SELECT 'sql', order_status::text, count(*)::float8 FROM sql_orders GROUP BY 2`},
}

var (
	scrapeErrDesc = prometheus.NewDesc("zonkvmd_scrape_errors",
		"1 when a database query of this scrape failed.", []string{"query"}, nil)
	poolMax      = poolDesc("max_conns", "The pool's largest size.")
	poolTotal    = poolDesc("total_conns", "Connections open now.")
	poolAcquired = poolDesc("acquired_conns", "Connections in use now.")
	poolIdle     = poolDesc("idle_conns", "Connections idle now.")
	poolAcquires = poolDesc("acquires_total", "Connections handed out.")
	poolEmpty    = poolDesc("empty_acquires_total", "Acquisitions that had to wait for a connection.")
	poolWait     = poolDesc("acquire_wait_seconds_total", "Time spent waiting for a connection.")
	poolCanceled = poolDesc("canceled_acquires_total", "Acquisitions cancelled while waiting.")
)

func poolDesc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("zonkvmd_db_pool_"+name, help, nil, nil)
}

// dbCollector reads the job and order counts and the pool's statistics at
// each scrape.
type dbCollector struct{ db *postgres.DB }

func (c *dbCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, q := range queries {
		ch <- q.desc
	}
	for _, d := range []*prometheus.Desc{scrapeErrDesc, poolMax, poolTotal, poolAcquired, poolIdle,
		poolAcquires, poolEmpty, poolWait, poolCanceled} {
		ch <- d
	}
}

func (c *dbCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	for _, q := range queries {
		failed := 0.0
		if err := c.collect(ctx, ch, q); err != nil {
			failed = 1
		}
		ch <- prometheus.MustNewConstMetric(scrapeErrDesc, prometheus.GaugeValue, failed, q.name)
	}
	s := c.db.Stat()
	for _, m := range []struct {
		d *prometheus.Desc
		t prometheus.ValueType
		v float64
	}{
		{poolMax, prometheus.GaugeValue, float64(s.MaxConns())},
		{poolTotal, prometheus.GaugeValue, float64(s.TotalConns())},
		{poolAcquired, prometheus.GaugeValue, float64(s.AcquiredConns())},
		{poolIdle, prometheus.GaugeValue, float64(s.IdleConns())},
		{poolAcquires, prometheus.CounterValue, float64(s.AcquireCount())},
		{poolEmpty, prometheus.CounterValue, float64(s.EmptyAcquireCount())},
		{poolWait, prometheus.CounterValue, s.AcquireDuration().Seconds()},
		{poolCanceled, prometheus.CounterValue, float64(s.CanceledAcquireCount())},
	} {
		ch <- prometheus.MustNewConstMetric(m.d, m.t, m.v)
	}
}

// collect sends one gauge per row of q.
func (c *dbCollector) collect(ctx context.Context, ch chan<- prometheus.Metric, q query) error {
	rows, err := c.db.Query(ctx, q.sql)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			return err
		}
		labels := make([]string, len(vals)-1)
		for i := range labels {
			labels[i], _ = vals[i].(string)
		}
		v, _ := vals[len(vals)-1].(float64)
		ch <- prometheus.MustNewConstMetric(q.desc, prometheus.GaugeValue, v, labels...)
	}
	return rows.Err()
}
