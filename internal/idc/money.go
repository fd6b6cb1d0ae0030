package idc

import (
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
)

// Money is colocation's renewal, upgrade and refund (idc_renew,
// idc_upgrade, idc_refund), shared with bare metal; a refund leaves
// nothing to free.
func (s *Service) Money() machine.Money {
	return machine.Money{Business: orderflow.IDC, Engine: s.Engine, Lock: lock}
}
