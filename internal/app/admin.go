package app

import (
	"context"
	"net/http"

	"github.com/zonkvm/zonkvmd/internal/admin"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// instrument gives a its metrics: api's requests (by action, code and
// latency, and in flight) and its provider drivers' calls are counted.
func (a *App) instrument(api *dispatch.Handler) http.Handler {
	a.Metrics = admin.NewMetrics(a.DB, a.Table.Actions())
	api.Observe = a.Metrics.ObserveRequest
	a.Engine.Providers.Instrument = a.Metrics.Provider
	return a.Metrics.InFlight(api)
}

// StartAdmin starts the admin listener at ZONKVMD_ADMIN_ADDR (/metrics and
// the job dashboard under /jobs/). It returns nil, nil when the address is
// "off", and an error when it cannot listen.
func (a *App) StartAdmin(ctx context.Context) (*admin.Server, error) {
	if a.Config.AdminAddr == "off" {
		return nil, nil
	}
	return admin.Start(ctx, a.Config.AdminAddr, a.Metrics, a.DB, a.Log)
}
