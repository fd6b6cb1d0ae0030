package server

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/apitype"
	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/orderflow"
	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Security policies (document 五.16-18, semantics.md §6). The local rows of
// server_security_policies are what get_security_policy and getserver
// answer; each keeps the provider's id of its rule (provider_rule_id) so
// that server_del_hardpolicy can remove it there. Adding and deleting call
// the provider synchronously (they are quick, and the reseller wants the
// new rule's guid in the answer); the rule is recorded only once the
// provider has it.

// maxPolicies is the most rules a server has.
const maxPolicies = 50

// defaultWeight is the weight of a rule given without one.
const defaultWeight = 100

// Policies serves get_security_policy: the order's rules, oldest
// first ([] when none), with the message 获取成功.
func (s *Service) Policies(ctx context.Context, req *dispatch.Request) (any, error) {
	o, err := s.Engine.ActiveOrder(ctx, req, business)
	if err != nil {
		return nil, err
	}
	list, err := loadPolicies(ctx, s.DB, o.ID, "")
	if err != nil {
		return nil, err
	}
	return dispatch.Message{Msg: "获取成功", Data: list}, nil
}

const policyColumns = `id, order_id, guid, name, weight, direction, protocol, action, remote_ip, local_port,
	status, create_time`

// loadPolicies reads order id's rules (only the one with guid, unless
// guid is ""), oldest first. It returns the database's error.
func loadPolicies(ctx context.Context, q postgres.Querier, id int64, guid string) ([]securityPolicy, error) {
	rows, err := q.Query(ctx, `SELECT `+policyColumns+` FROM server_security_policies
		WHERE order_id = $1 AND ($2 = '' OR guid = $2) ORDER BY id`, id, guid)
	if err != nil {
		return nil, fmt.Errorf("server: policies of order %d: %w", id, err)
	}
	list, err := pgx.CollectRows(rows, scanPolicy)
	if err != nil {
		return nil, fmt.Errorf("server: policies of order %d: %w", id, err)
	}
	if list == nil {
		list = []securityPolicy{}
	}
	return list, nil
}

func scanPolicy(row pgx.CollectableRow) (securityPolicy, error) {
	var p securityPolicy
	var created time.Time
	err := row.Scan(&p.ID, &p.ProductID, &p.GUID, &p.Name, &p.Weight, &p.Direction, &p.Protocol, &p.Action,
		&p.RemoteIP, &p.LocalPort, &p.Status, &created)
	p.ServiceType, p.CreateTime = business.Name, apitype.At(created)
	return p, err
}

// AddPolicy serves server_add_hardpolicy: it checks the rule, adds it at
// the provider and records it with a new guid, and answers the rule as
// get_security_policy lists it. It answers 参数错误 naming the parameter
// for an invalid rule or the 51st, 暂未开放 when the driver has no security
// groups, 系统繁忙 when the provider fails.
func (s *Service) AddPolicy(ctx context.Context, req *dispatch.Request) (any, error) {
	o, err := s.Engine.ActiveOrder(ctx, req, business)
	if err != nil {
		return nil, err
	}
	r, err := readRule(req.Params)
	if err != nil {
		return nil, err
	}
	var n int
	if err := s.DB.QueryRow(ctx, `SELECT count(*) FROM server_security_policies WHERE order_id = $1`,
		o.ID).Scan(&n); err != nil {
		return nil, fmt.Errorf("server: count policies of order %d: %w", o.ID, err)
	}
	if n >= maxPolicies {
		return nil, errTooManyPolicies
	}
	vms, err := s.Engine.VMs(ctx, s.Engine.DB, business, o.LineID)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "add rule", err)
	}
	added, err := vms.AddRule(ctx, o.ProviderRef, r)
	if err != nil {
		return nil, orderflow.ProviderAnswer(business, o.ID, "add rule", err)
	}
	p, err := s.recordPolicy(ctx, req.Reseller.ID, o.ID, r, added.ID)
	if err != nil { // take the rule back, or it would be there without a row
		if derr := vms.DeleteRule(ctx, o.ProviderRef, added.ID); derr != nil && !errors.Is(derr, provider.ErrNotFound) {
			err = fmt.Errorf("%w (and removing its provider rule %s failed: %v)", err, added.ID, derr)
		}
		return nil, err
	}
	return p, nil
}

var errTooManyPolicies = dispatch.ParamError("guid", "安全组规则已达上限"+strconv.Itoa(maxPolicies)+"条")

// recordPolicy stores rule r of order id (provider id ruleID) under the
// order's row lock, with the order still 正常 and under the rule limit
// (two adds at once cannot both take the last place), and returns it as
// listed. It returns 业务状态异常, the limit's ParamError, or the
// database's error.
func (s *Service) recordPolicy(ctx context.Context, resellerID, id int64, r provider.Rule, ruleID string) (securityPolicy, error) {
	var p securityPolicy
	now := s.now()
	err := postgres.Tx(ctx, s.DB, func(tx pgx.Tx) error {
		var status, n int
		if err := tx.QueryRow(ctx, `SELECT order_status FROM server_orders WHERE id = $1 AND reseller_id = $2
			FOR UPDATE`, id, resellerID).Scan(&status); err != nil {
			return fmt.Errorf("server: lock order %d: %w", id, err)
		}
		if status != orderflow.OrderActive {
			return dispatch.ErrStatusAbnormal
		}
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM server_security_policies WHERE order_id = $1`,
			id).Scan(&n); err != nil {
			return fmt.Errorf("server: count policies of order %d: %w", id, err)
		}
		if n >= maxPolicies {
			return errTooManyPolicies
		}
		for try := 0; try < 10; try++ {
			rows, err := tx.Query(ctx, `
				INSERT INTO server_security_policies (order_id, guid, name, weight, direction, protocol, action,
					remote_ip, local_port, status, create_time, provider_rule_id)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $11)
				ON CONFLICT (guid) DO NOTHING
				RETURNING `+policyColumns, id, policyGUID(now, try), r.Name, r.Weight, r.Direction, r.Protocol,
				r.Action, r.RemoteIP, r.LocalPort, now, ruleID)
			if err != nil {
				return fmt.Errorf("server: record policy of order %d: %w", id, err)
			}
			list, err := pgx.CollectRows(rows, scanPolicy)
			if err != nil {
				return fmt.Errorf("server: record policy of order %d: %w", id, err)
			}
			if len(list) == 1 {
				p = list[0]
				return nil
			}
		}
		return fmt.Errorf("server: record policy of order %d: no free guid", id)
	})
	return p, err
}

// policyGUID is "SP" and 16 digits: the microseconds of now, and on a
// retry (try > 0, after a clash) a random offset from them.
func policyGUID(now time.Time, try int) string {
	n := now.UnixMicro()
	if try > 0 {
		n += 1 + rand.Int64N(1_000_000)
	}
	return fmt.Sprintf("SP%016d", n%1e16)
}

// DeletePolicy serves server_del_hardpolicy: policy_guid must be a rule of
// this order (参数错误: policy_guid 不存在 otherwise); it is removed at the
// provider (one already gone there counts as removed), then here.
func (s *Service) DeletePolicy(ctx context.Context, req *dispatch.Request) (any, error) {
	o, err := s.Engine.ActiveOrder(ctx, req, business)
	if err != nil {
		return nil, err
	}
	guid, err := req.Params.RequiredText("policy_guid")
	if err != nil {
		return nil, err
	}
	var rowID int64
	var ruleID string
	err = postgres.QueryRow(ctx, s.DB, `SELECT id, provider_rule_id FROM server_security_policies
		WHERE order_id = $1 AND guid = $2`, o.ID, strings.TrimSpace(guid)).Scan(&rowID, &ruleID)
	if errors.Is(err, postgres.ErrNotFound) {
		return nil, dispatch.ParamError("policy_guid", "不存在")
	}
	if err != nil {
		return nil, fmt.Errorf("server: policy %q of order %d: %w", guid, o.ID, err)
	}
	if ruleID != "" {
		vms, err := s.Engine.VMs(ctx, s.Engine.DB, business, o.LineID)
		if err != nil {
			return nil, orderflow.ProviderAnswer(business, o.ID, "delete rule", err)
		}
		if err := vms.DeleteRule(ctx, o.ProviderRef, ruleID); err != nil && !errors.Is(err, provider.ErrNotFound) {
			return nil, orderflow.ProviderAnswer(business, o.ID, "delete rule", err)
		}
	}
	if _, err := s.DB.Exec(ctx, `DELETE FROM server_security_policies WHERE id = $1`, rowID); err != nil {
		return nil, fmt.Errorf("server: delete policy %q of order %d: %w", guid, o.ID, err)
	}
	return nil, nil
}

// readRule reads server_add_hardpolicy's rule (semantics.md §6): name 1 to
// 64 characters; weight 1 to 1000 (default 100); direction Inbound or
// Outbound; operation allow or deny; protocol tcp, udp, icmp or all (these
// three in any case, answered as spelled here); remote_ip an IPv4 or IPv6
// address or CIDR (kept masked: 10.1.2.3/8 is 10.0.0.0/8); local_port a
// port or from-to within 1-65535, required for tcp and udp and refused for
// icmp and all. It returns MissingParam or a ParamError naming the first
// parameter that is wrong.
func readRule(p dispatch.Params) (provider.Rule, error) {
	var r provider.Rule
	var err error
	if r.Name, err = p.RequiredText("name"); err != nil {
		return r, err
	}
	if r.Name = strings.TrimSpace(r.Name); utf8.RuneCountInString(r.Name) > 64 {
		return r, dispatch.ParamError("name", "长度应为1到64个字符")
	}
	weight, err := p.IntIn("weight", defaultWeight, 1, 1000)
	if err != nil {
		return r, err
	}
	r.Weight = int(weight)
	for _, f := range []struct {
		name, why string
		dst       *string
		allowed   []string
	}{
		{"direction", "应为Inbound或Outbound", &r.Direction, []string{"Inbound", "Outbound"}},
		{"operation", "应为allow或deny", &r.Action, []string{"allow", "deny"}},
		{"protocol", "应为tcp、udp、icmp或all", &r.Protocol, []string{"tcp", "udp", "icmp", "all"}},
	} {
		if *f.dst, err = oneOf(p, f.name, f.why, f.allowed); err != nil {
			return r, err
		}
	}
	if r.RemoteIP, err = remoteIP(p); err != nil {
		return r, err
	}
	r.LocalPort, err = localPort(p, r.Protocol)
	return r, err
}

// oneOf returns the allowed spelling of parameter name (matched without
// regard to case), MissingParam when it is absent, or ParamError(name, why).
func oneOf(p dispatch.Params, name, why string, allowed []string) (string, error) {
	v, err := p.RequiredText(name)
	if err != nil {
		return "", err
	}
	for _, a := range allowed {
		if strings.EqualFold(strings.TrimSpace(v), a) {
			return a, nil
		}
	}
	return "", dispatch.ParamError(name, why)
}

// remoteIP reads remote_ip: an address (no IPv6 zone) or a CIDR, masked.
func remoteIP(p dispatch.Params) (string, error) {
	v, err := p.RequiredText("remote_ip")
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if a, err := netip.ParseAddr(v); err == nil && a.Zone() == "" {
		return a.String(), nil
	}
	if pf, err := netip.ParsePrefix(v); err == nil {
		return pf.Masked().String(), nil
	}
	return "", dispatch.ParamError("remote_ip", "应为IP地址或CIDR网段")
}

// localPort reads local_port for protocol: "80" or "8000-8080" for tcp and
// udp (required), nothing for icmp and all.
func localPort(p dispatch.Params, protocol string) (string, error) {
	v, err := p.Text("local_port")
	if err != nil {
		return "", err
	}
	v = strings.TrimSpace(v)
	if protocol == "icmp" || protocol == "all" {
		if v != "" {
			return "", dispatch.ParamError("local_port", "icmp和all协议不能指定端口")
		}
		return "", nil
	}
	if v == "" {
		return "", dispatch.MissingParam("local_port")
	}
	lo, hi, isRange := strings.Cut(v, "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(lo))
	to, err2 := from, error(nil)
	if isRange {
		to, err2 = strconv.Atoi(strings.TrimSpace(hi))
	}
	if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
		return "", dispatch.ParamError("local_port", "应为1-65535的端口或起止端口范围")
	}
	if isRange && from != to {
		return strconv.Itoa(from) + "-" + strconv.Itoa(to), nil
	}
	return strconv.Itoa(from), nil
}
