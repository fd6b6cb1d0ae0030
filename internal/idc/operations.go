package idc

import (
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/orderflow/machine"
)

// Operations are colocation's idc_start, idc_stop, idc_restart,
// idc_install, idc_setpsw, idc_getvncurl and get_idc_chart (托管 22-26,
// 30-31): machine.Operations serves them for both businesses, an order's
// machine read by target.
//
// Which driver reaches a colocated machine: its power goes through IPMI
// once staff recorded its BMC when they racked it (idc_orders.bmc_host,
// set by `zonkvmd task done`), and through the line's driver otherwise,
// where the simulator completes it at once and manual records a task for
// staff. A reinstall, a password, a console and a chart always go through
// the line's driver: the machine is the customer's, so on a manual line
// they are tasks for staff (a reinstall, a password) or 暂未开放 (a console,
// a chart), and on an ipmi line the reinstall and password jobs end with
// their reason kept (IPMI cannot do them) and the readouts are 暂未开放.
func (s *Service) Operations() machine.Operations {
	return machine.Operations{Business: orderflow.IDC, Engine: s.Engine, Box: s.Box, Find: s.target,
		Fit: machine.ZoneFit(orderflow.IDC)}
}
