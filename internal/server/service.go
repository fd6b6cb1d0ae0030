// Package server is the cloud-server (云服务器) business: section 五 of the API document.
package server

import (
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the cloud-server (云服务器) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades, refunds and operates orders.
	Engine *orderflow.Engine
}
