package idc

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// registerCatalog serves idc_lines and idc_product (document 六.17, 六.18)
// from internal/catalog; an empty list answers [].
func (s *Service) registerCatalog(t *dispatch.Table) {
	t.Handle("idc_lines", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListIDCLines(ctx, s.DB)
	})
	t.Handle("idc_product", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListIDCProducts(ctx, s.DB)
	})
}
