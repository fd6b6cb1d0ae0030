// Package idc is the colocation (服务器托管, IDC) business: section 六 (托管子接口) of the API document.
package idc

import (
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Service serves the colocation (服务器托管, IDC) actions.
type Service struct {
	DB  *postgres.DB
	Box *secret.Box // opens the passwords kept at rest
	// Engine buys, renews, upgrades, refunds and operates orders.
	Engine *orderflow.Engine
}
