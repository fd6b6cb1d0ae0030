package database

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
)

// registerCatalog serves sql_product (document 八.1) from internal/catalog;
// an empty list answers [].
func (s *Service) registerCatalog(t *dispatch.Table) {
	t.Handle("sql_product", func(ctx context.Context, _ *dispatch.Request) (any, error) {
		return catalog.ListSQLProducts(ctx, s.DB)
	})
}
