package orderflow

// The states an order shows (semantics.md §4; the document's orderStatus /
// order_status, runStatus / run_status and actStatus). Go code names them
// by these constants; SQL spells the same numbers.
const (
	// Order states.
	OrderDeleted      = -2 // 已删除: refunded, or a purchase that failed
	OrderRecycled     = -1 // 已回收: expired past the line's retention
	OrderProvisioning = 0  // 开通中
	OrderActive       = 1  // 正常
	OrderExpired      = 3  // 已过期

	// Run states.
	RunLocked  = -2 // 已锁定: stopped because the order expired
	RunStopped = -1 // 已关机
	RunKeep    = 0  // not a state: FinishOperation leaves the run state as it was
	RunRunning = 1  // 运行中

	// Act states: ActNone is 0 in every business; each business numbers its
	// operations below.
	ActNone = 0
)

// The cloud server's act states. The document names 3 启动中, 4 关机中 and 5
// 重启中 and leaves the others open; zonkvmd uses 6 重装中 (server_install),
// 7 密码重设中 (server_setpsw) and 8 VNC密码重设中 (server_setvnc), the next
// free numbers, so that a reseller who knows only the documented ones still
// sees "not 0: busy".
const (
	ServerActStarting    = 3
	ServerActStopping    = 4
	ServerActRestarting  = 5
	ServerActReinstall   = 6
	ServerActPassword    = 7
	ServerActVNCPassword = 8
)

// The act states of leases and colocation. The document names 1 重启中, 2
// 重装中 and 3 密码重设中 and gives lease_start and lease_stop (idc_start,
// idc_stop) none; zonkvmd uses 4 开机中 and 5 关机中, the next free numbers,
// so that a reseller who knows only the documented ones still sees "not 0:
// busy", and one who reads them sees which way the power goes.
const (
	MachineActRestarting = 1
	MachineActReinstall  = 2
	MachineActPassword   = 3
	MachineActStarting   = 4
	MachineActStopping   = 5
)

// SuspendedPrefix begins the status_reason of an order the operator
// suspended (zonkvmd order suspend): it stays 正常 but locked (run state
// RunLocked) until the operator unsuspends it, and the reseller can start
// no operation on it meanwhile.
const SuspendedPrefix = "suspended by the operator: "
