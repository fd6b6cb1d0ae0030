package mofangyun

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// defaultPriority is the priority of a rule given without a weight (ZJMF
// uses 90 for user rules).
const defaultPriority = 90

// toRow turns a rule into a row of security_groups/{id}/rules:
// Inbound/Outbound → in/out, allow/deny → accept/drop, the remote address or
// CIDR → start_ip..end_ip, the port or from-to → start_port..end_port
// (1..65535 for icmp, all, or no port), the weight → priority, the name →
// description. It returns ErrRejected for a rule it cannot express.
func toRow(r provider.Rule) (ruleRow, error) {
	dir := map[string]string{"inbound": "in", "outbound": "out"}[strings.ToLower(r.Direction)]
	action := map[string]string{"allow": "accept", "deny": "drop"}[strings.ToLower(r.Action)]
	proto := strings.ToLower(r.Protocol)
	switch {
	case dir == "":
		return ruleRow{}, fmt.Errorf("%w: direction %q is not Inbound or Outbound", provider.ErrRejected, r.Direction)
	case action == "":
		return ruleRow{}, fmt.Errorf("%w: action %q is not allow or deny", provider.ErrRejected, r.Action)
	case proto != "tcp" && proto != "udp" && proto != "icmp" && proto != "all":
		return ruleRow{}, fmt.Errorf("%w: protocol %q is not tcp, udp, icmp or all", provider.ErrRejected, r.Protocol)
	}
	start, end, err := ipRange(r.RemoteIP)
	if err != nil {
		return ruleRow{}, err
	}
	from, to := 1, 65535
	if proto == "tcp" || proto == "udp" {
		if from, to, err = portRange(r.LocalPort); err != nil {
			return ruleRow{}, err
		}
	}
	prio := r.Weight
	if prio == 0 {
		prio = defaultPriority
	}
	if prio < 1 || prio > 1000 {
		return ruleRow{}, fmt.Errorf("%w: weight %d is not within 1..1000", provider.ErrRejected, r.Weight)
	}
	return ruleRow{
		Description: text(r.Name), Direction: text(dir), Protocol: text(proto), Action: text(action),
		StartIP: text(start), EndIP: text(end), StartPort: num(from), EndPort: num(to), Priority: num(prio),
	}, nil
}

// form is the body of POST security_groups/{id}/rules for the row.
func (r ruleRow) form() form {
	return form{
		"description": string(r.Description), "direction": string(r.Direction),
		"protocol": string(r.Protocol), "action": string(r.Action),
		"start_ip": string(r.StartIP), "end_ip": string(r.EndIP),
		"start_port": r.StartPort.int(), "end_port": r.EndPort.int(), "priority": r.Priority.int(),
	}
}

// rule is the provider.Rule of a row of GET security_groups/{id}/rules.
func (r ruleRow) rule() provider.Rule {
	out := provider.Rule{
		Name:      string(r.Description),
		Direction: map[string]string{"in": "Inbound", "out": "Outbound"}[string(r.Direction)],
		Protocol:  string(r.Protocol),
		Action:    map[string]string{"accept": "allow", "drop": "deny"}[string(r.Action)],
		RemoteIP:  cidr(string(r.StartIP), string(r.EndIP)),
		Weight:    r.Priority.int(),
	}
	if r.ID > 0 {
		out.ID = r.ID.idString()
	}
	if r.Protocol == "tcp" || r.Protocol == "udp" {
		out.LocalPort = strconv.Itoa(r.StartPort.int())
		if r.EndPort != r.StartPort {
			out.LocalPort += "-" + strconv.Itoa(r.EndPort.int())
		}
	}
	return out
}

// anyIPv4 is how 魔方云 rules write "every IPv4 address": start_ip and
// end_ip both 0.0.0.0, as ZJMF sends it (ZJMF-CBAP 10.4.6
// mf_cloud/model/HostLinkModel.php L1118-1119, the lightHost deny-all rule;
// addon/idcsmart_cloud/model/IdcsmartSecurityGroupRuleModel.php transRule
// L463-476 turns its default 0.0.0.0/0 into 0.0.0.0-0.0.0.0 too).
const anyIPv4 = "0.0.0.0"

// ipRange turns an address or CIDR into its first and last address; "",
// 0.0.0.0 and 0.0.0.0/0 mean every IPv4 address (anyIPv4 twice).
func ipRange(s string) (string, string, error) {
	s = strings.TrimSpace(s)
	if s == "" || s == anyIPv4 || s == "0.0.0.0/0" {
		return anyIPv4, anyIPv4, nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return a.String(), a.String(), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return "", "", fmt.Errorf("%w: remote address %q is not an address or CIDR", provider.ErrRejected, s)
	}
	p = p.Masked()
	return p.Addr().String(), lastAddr(p).String(), nil
}

// lastAddr is the highest address of a prefix.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// cidr turns a range back into an address or CIDR (anyIPv4 twice:
// 0.0.0.0/0); a range that is no prefix is written start-end.
func cidr(start, end string) string {
	if start == anyIPv4 && end == anyIPv4 {
		return "0.0.0.0/0"
	}
	a, err1 := netip.ParseAddr(start)
	b, err2 := netip.ParseAddr(end)
	if err1 != nil || err2 != nil || a == b {
		return start
	}
	for bits := 0; bits <= a.BitLen(); bits++ {
		p := netip.PrefixFrom(a, bits)
		if p.Masked().Addr() == a && lastAddr(p) == b {
			return p.String()
		}
	}
	return start + "-" + end
}

// portRange reads "80" or "8000-8080"; "" is every port.
func portRange(s string) (int, int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 1, 65535, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	from, err1 := strconv.Atoi(strings.TrimSpace(lo))
	to, err2 := from, error(nil)
	if isRange {
		to, err2 = strconv.Atoi(strings.TrimSpace(hi))
	}
	if err1 != nil || err2 != nil || from < 1 || to > 65535 || from > to {
		return 0, 0, fmt.Errorf("%w: port %q is not a port or from-to within 1..65535", provider.ErrRejected, s)
	}
	return from, to, nil
}
