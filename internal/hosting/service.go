// Package hosting is the web hosting (虚拟主机) business: section 七 of the API document.
package hosting

import (
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the web hosting (虚拟主机) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades and refunds orders.
	Engine *orderflow.Engine
}
