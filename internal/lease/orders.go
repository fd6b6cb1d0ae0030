package lease

import "github.com/zonkvm/zonkvmd/internal/dispatch"

func (s *Service) registerOrders(t *dispatch.Table) {}
