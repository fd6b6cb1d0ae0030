// Package lease is the bare-metal lease (物理服务器) business: section 六 of the API document.
package lease

import (
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the bare-metal lease (物理服务器) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades, refunds and operates orders (nil: the
	// money actions and the operations are not registered, as in
	// query-only tests).
	Engine *orderflow.Engine
}

// Register puts this business's actions into the table.
func (s *Service) Register(t *dispatch.Table) {
	s.registerCatalog(t)
	s.registerOrders(t)
	s.registerMoney(t)
	s.registerOperations(t)
}
