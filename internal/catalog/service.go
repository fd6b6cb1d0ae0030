package catalog

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

// Service serves the public catalogue actions of document section 四,
// getzones and getsystems; each business package serves its own.
type Service struct {
	DB *postgres.DB
}

// Register puts getzones and getsystems into the table.
func (s *Service) Register(t *dispatch.Table) {
	t.Handle("getzones", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return ListZones(ctx, s.DB)
	})
	t.Handle("getsystems", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return ListSystems(ctx, s.DB)
	})
}
