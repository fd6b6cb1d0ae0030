// Package admin is zonkvmd's admin listener (ZONKVMD_ADMIN_ADDR): the
// Prometheus metrics at /metrics and River's job dashboard under /jobs/.
// It listens apart from the API, on loopback by default, and nginx never
// forwards to it.
package admin

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Metrics are the daemon's metrics, in a registry of their own.
type Metrics struct {
	Registry *prometheus.Registry

	requests       *prometheus.CounterVec
	latency        *prometheus.HistogramVec
	inFlight       prometheus.Gauge
	providerCalls  *prometheus.CounterVec
	providerErrors *prometheus.CounterVec
	ledgerProblems prometheus.Gauge
	ledgerChecked  prometheus.Gauge
	ledgerFailed   prometheus.Gauge

	actions map[string]bool // the action label's values; anything else is "unknown"
}

// NewMetrics registers every metric. actions are the API's action names
// (dispatch.Table.Actions), so that a made-up action cannot grow a label.
// db feeds the metrics read at scrape time: jobs, orders and the pool.
func NewMetrics(db *postgres.DB, actions []string) *Metrics {
	m := &Metrics{Registry: prometheus.NewRegistry(), actions: map[string]bool{}}
	for _, a := range actions {
		m.actions[a] = true
	}
	m.requests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zonkvmd_api_requests_total",
		Help: "API requests by action and envelope code (1 success, 0 refusal).",
	}, []string{"action", "code"})
	m.latency = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "zonkvmd_api_request_duration_seconds",
		Help:    "Time to answer an API request, by action.",
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{"action"})
	m.inFlight = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zonkvmd_api_requests_in_flight",
		Help: "API requests being answered now.",
	})
	m.providerCalls = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zonkvmd_provider_calls_total",
		Help: "HTTP calls to the providers' systems, by driver.",
	}, []string{"driver"})
	m.providerErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "zonkvmd_provider_errors_total",
		Help: "HTTP calls to the providers' systems that failed (no answer or a 5xx status), by driver.",
	}, []string{"driver"})
	m.ledgerProblems = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zonkvmd_ledger_verify_problems",
		Help: "Broken ledger invariants (billing.md §1) found by the last periodic verification; 0 is healthy.",
	})
	m.ledgerChecked = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zonkvmd_ledger_verify_last_run_timestamp_seconds",
		Help: "When the ledger was last verified (Unix time).",
	})
	m.ledgerFailed = prometheus.NewGauge(prometheus.GaugeOpts{
		Name: "zonkvmd_ledger_verify_errors",
		Help: "1 when the last verification could not run (a query failed), else 0.",
	})
	m.Registry.MustRegister(m.requests, m.latency, m.inFlight, m.providerCalls, m.providerErrors,
		m.ledgerProblems, m.ledgerChecked, m.ledgerFailed,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		&dbCollector{db: db})
	return m
}

// ObserveRequest counts one API request: its action ("" or unknown:
// "unknown"), its envelope code and how long it took.
func (m *Metrics) ObserveRequest(action string, code int, took time.Duration) {
	if !m.actions[action] {
		action = "unknown"
	}
	m.requests.WithLabelValues(action, strconv.Itoa(code)).Inc()
	m.latency.WithLabelValues(action).Observe(took.Seconds())
}

// InFlight wraps the API handler to count the requests it is answering.
func (m *Metrics) InFlight(h http.Handler) http.Handler {
	return promhttp.InstrumentHandlerInFlight(m.inFlight, h)
}

// Handler serves the metrics in Prometheus's text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{})
}

// Provider returns an HTTP client that counts the calls of driver's
// requests through c's transport (nil: http.DefaultTransport).
func (m *Metrics) Provider(driver string, c *http.Client) *http.Client {
	out := *c
	next := c.Transport
	if next == nil {
		next = http.DefaultTransport
	}
	calls, errs := m.providerCalls.WithLabelValues(driver), m.providerErrors.WithLabelValues(driver)
	out.Transport = promhttp.RoundTripperFunc(func(r *http.Request) (*http.Response, error) {
		calls.Inc()
		resp, err := next.RoundTrip(r)
		if err != nil || resp.StatusCode >= 500 {
			errs.Inc()
		}
		return resp, err
	})
	return &out
}

// VerifyLedger runs verify every interval until ctx ends (and once at
// once), publishing the number of problems it finds.
func (m *Metrics) VerifyLedger(ctx context.Context, every time.Duration, verify func(context.Context) ([]string, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		problems, err := verify(ctx)
		if ctx.Err() != nil {
			return
		}
		m.ledgerChecked.Set(float64(time.Now().Unix()))
		if err != nil {
			m.ledgerFailed.Set(1)
		} else {
			m.ledgerFailed.Set(0)
			m.ledgerProblems.Set(float64(len(problems)))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
