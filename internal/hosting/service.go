// Package hosting is the web hosting (虚拟主机) business: section 七 of the API document.
package hosting

import (
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the web hosting (虚拟主机) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades and refunds orders (nil: the money
	// actions are not registered, as in query-only tests).
	Engine *orderflow.Engine
}

// Register puts this business's actions into the table.
func (s *Service) Register(t *dispatch.Table) {
	s.registerCatalog(t)
	s.registerOrders(t)
	s.registerMoney(t)
	s.registerPanel(t)
	s.registerFileOps(t)
}
