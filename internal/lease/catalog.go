package lease

import "github.com/zonkvm/zonkvmd/internal/dispatch"

func (s *Service) registerCatalog(t *dispatch.Table) {}
