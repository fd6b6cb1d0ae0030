package hosting

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// registerCatalog serves hosting_lines and hosting_product (document 七.1,
// 七.2) from internal/catalog; an empty list answers [].
func (s *Service) registerCatalog(t *dispatch.Table) {
	t.Handle("hosting_lines", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListHostingLines(ctx, s.DB)
	})
	t.Handle("hosting_product", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListHostingProducts(ctx, s.DB)
	})
}
