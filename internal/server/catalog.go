package server

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// registerCatalog serves getlines and getproduct (document 五.1, 五.2) from
// internal/catalog; an empty list answers [].
func (s *Service) registerCatalog(t *dispatch.Table) {
	t.Handle("getlines", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListServerLines(ctx, s.DB)
	})
	t.Handle("getproduct", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListServerPackages(ctx, s.DB)
	})
}
