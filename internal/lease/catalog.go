package lease

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// registerCatalog serves lease_lines, lease_harddisk and lease_product
// (document 六.1-3) from internal/catalog; an empty list answers [].
func (s *Service) registerCatalog(t *dispatch.Table) {
	t.Handle("lease_lines", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListLeaseLines(ctx, s.DB)
	})
	t.Handle("lease_harddisk", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListLeaseHarddisks(ctx, s.DB)
	})
	t.Handle("lease_product", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListLeaseProducts(ctx, s.DB)
	})
}
