package testfactory

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Box returns a sealing box with a fixed test key.
func Box(t testing.TB) *secret.Box {
	t.Helper()
	box, err := secret.New(bytes.Repeat([]byte{7}, secret.KeySize))
	require.NoError(t, err)
	return box
}

// Caller calls actions through a table as one authenticated reseller, as
// the HTTP handler would after authentication.
type Caller struct {
	Table    *dispatch.Table
	Reseller dispatch.Reseller
}

// Call runs action with params (nil: none) and returns the action's data,
// or its error (a *dispatch.Error for the reseller's mistakes).
func (c Caller) Call(t testing.TB, action string, params map[string]any) (any, error) {
	t.Helper()
	p := map[string]any{"action": action}
	for k, v := range params {
		p[k] = v
	}
	return c.Table.Call(t.Context(), c.Reseller, dispatch.NewParams(p))
}

// NewCaller makes a fresh reseller (Reseller with no options) and returns a
// Caller for it.
func NewCaller(t testing.TB, db postgres.Querier, table *dispatch.Table) Caller {
	t.Helper()
	id, appid := Reseller(t, db, nil)
	return Caller{Table: table, Reseller: dispatch.Reseller{ID: id, AppID: appid}}
}
