package idc

import (
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/lease"
)

// registerMoney puts the actions that move money into the table:
// create_idc here, and the renewal, upgrade and refund that colocation
// shares with bare metal (lease.Money).
func (s *Service) registerMoney(t *dispatch.Table) {
	if s.Engine == nil {
		return
	}
	m := lease.Money{Business: lease.IDC, Engine: s.Engine, Lock: lock} // a refund leaves nothing to free
	t.HandleSub("create_order", "create_idc", s.Engine.Replayable(s.createIDC))
	t.Handle("idc_renew", m.Renew)
	t.Handle("idc_upgrade", m.Upgrade)
	t.Handle("idc_refund", m.Refund)
}
