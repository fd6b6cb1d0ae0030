package mofangyun

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

// Each cloud gets a security group of its own, made on its first rule and
// named zonkvmd-cloud-<id>; it is found again by that name (GET
// security_groups) and remembered.

// groupName is the name of a cloud's security group.
func groupName(id string) string { return "zonkvmd-cloud-" + id }

type secGroup struct {
	ID   num  `json:"id"`
	Name text `json:"name"`
}

func (g secGroup) rowID() string   { return g.ID.idString() }
func (g secGroup) rowName() string { return string(g.Name) }

type ruleRow struct {
	ID          num  `json:"id"`
	Description text `json:"description"`
	Direction   text `json:"direction"`
	Protocol    text `json:"protocol"`
	StartIP     text `json:"start_ip"`
	EndIP       text `json:"end_ip"`
	StartPort   num  `json:"start_port"`
	EndPort     num  `json:"end_port"`
	Priority    num  `json:"priority"`
	Action      text `json:"action"`
}

func (r ruleRow) rowID() string   { return r.ID.idString() }
func (r ruleRow) rowName() string { return r.ID.idString() }

// ListRules returns the rules of a cloud's security group (GET
// security_groups/{gid}/rules); none when it has no group yet. It returns
// ErrNotFound for an unknown cloud.
func (d *Driver) ListRules(ctx context.Context, id string) ([]provider.Rule, error) {
	id, err := cloudID("ListRules", id)
	if err != nil {
		return nil, err
	}
	gid, err := d.group(ctx, "ListRules", id, false)
	if err != nil || gid == "" {
		return []provider.Rule{}, err
	}
	rows, err := listAll[ruleRow](ctx, d.c, "security_groups/"+gid+"/rules")
	if err != nil {
		return nil, fmt.Errorf("mofangyun ListRules %s: %w", id, d.groupErr(id, err))
	}
	rules := make([]provider.Rule, 0, len(rows))
	for _, r := range rows {
		rules = append(rules, r.rule())
	}
	return rules, nil
}

// AddRule adds a rule to a cloud's security group (POST
// security_groups/{gid}/rules), making and binding the group first when the
// cloud has none. It returns the rule with its provider id; ErrNotFound for
// an unknown cloud, ErrRejected for a rule the provider cannot express or
// refuses.
func (d *Driver) AddRule(ctx context.Context, id string, r provider.Rule) (provider.Rule, error) {
	id, err := cloudID("AddRule", id)
	if err != nil {
		return provider.Rule{}, err
	}
	row, err := toRow(r)
	if err != nil {
		return provider.Rule{}, fmt.Errorf("mofangyun AddRule %s: %w", id, err)
	}
	gid, err := d.group(ctx, "AddRule", id, true)
	if err != nil {
		return provider.Rule{}, err
	}
	var res struct {
		ID num `json:"id"`
	}
	if err := d.c.call(ctx, http.MethodPost, "security_groups/"+gid+"/rules", row.form(), &res); err != nil {
		return provider.Rule{}, fmt.Errorf("mofangyun AddRule %s: %w", id, d.groupErr(id, err))
	}
	if res.ID <= 0 {
		return provider.Rule{}, fmt.Errorf("mofangyun AddRule %s: %w: the answer has no rule id", id, provider.ErrUnavailable)
	}
	row.ID = res.ID
	return row.rule(), nil
}

// DeleteRule deletes one rule of a cloud's security group (DELETE
// security_group_rules/{rid}). It returns ErrNotFound for an unknown cloud
// or a rule that is not in the cloud's group.
func (d *Driver) DeleteRule(ctx context.Context, id, ruleID string) error {
	id, err := cloudID("DeleteRule", id)
	if err != nil {
		return err
	}
	rid, err := strconv.ParseInt(ruleID, 10, 64)
	if err != nil || rid <= 0 {
		return fmt.Errorf("mofangyun DeleteRule %s rule %q: %w", id, ruleID, provider.ErrNotFound)
	}
	gid, err := d.group(ctx, "DeleteRule", id, false)
	if err != nil {
		return err
	}
	if gid == "" {
		return fmt.Errorf("mofangyun DeleteRule %s rule %d: %w: the cloud has no rules", id, rid, provider.ErrNotFound)
	}
	_, ok, err := findByName[ruleRow](ctx, d.c, "security_groups/"+gid+"/rules", strconv.FormatInt(rid, 10))
	if err != nil {
		return fmt.Errorf("mofangyun DeleteRule %s: %w", id, d.groupErr(id, err))
	}
	if !ok {
		return fmt.Errorf("mofangyun DeleteRule %s rule %d: %w: not a rule of this cloud", id, rid, provider.ErrNotFound)
	}
	if err := d.c.call(ctx, http.MethodDelete, "security_group_rules/"+strconv.FormatInt(rid, 10), nil, nil); err != nil {
		return fmt.Errorf("mofangyun DeleteRule %s rule %d: %w", id, rid, err)
	}
	return nil
}

// group returns the id of a cloud's security group, "" when it has none
// and create is false. It checks the cloud exists (ErrNotFound otherwise).
func (d *Driver) group(ctx context.Context, op, id string, create bool) (string, error) {
	c, err := d.detail(ctx, op, id)
	if err != nil {
		return "", err
	}
	d.mu.Lock()
	gid := d.groups[id]
	d.mu.Unlock()
	if gid != "" {
		return gid, nil
	}
	g, ok, err := findByName[secGroup](ctx, d.c, "security_groups", groupName(id))
	if errors.Is(err, provider.ErrNotFound) { // the cloud exists: the list endpoint does not
		err = fmt.Errorf("%w: the provider does not list security groups: %w", provider.ErrUnsupported, err)
	}
	if err != nil {
		return "", fmt.Errorf("mofangyun %s %s: finding its security group: %w", op, id, err)
	}
	switch {
	case ok:
		gid = g.rowID()
	case !create:
		return "", nil
	default:
		if gid, err = d.makeGroup(ctx, id, c); err != nil {
			return "", fmt.Errorf("mofangyun %s %s: %w", op, id, err)
		}
	}
	d.mu.Lock()
	d.groups[id] = gid
	d.mu.Unlock()
	return gid, nil
}

// groupErr turns a 404 about a cloud's (remembered) group, which someone
// deleted, into ErrUnavailable: the cloud itself exists, and the next try
// looks the group up again.
func (d *Driver) groupErr(id string, err error) error {
	if !errors.Is(err, provider.ErrNotFound) {
		return err
	}
	d.mu.Lock()
	delete(d.groups, id)
	d.mu.Unlock()
	return fmt.Errorf("%w: its security group vanished (%s)", provider.ErrUnavailable, err.Error())
}

// makeGroup creates a cloud's group without default rules and binds it to
// the cloud; a group that cannot be bound is deleted again.
func (d *Driver) makeGroup(ctx context.Context, id string, c cloud) (string, error) {
	f := form{
		"name":                groupName(id),
		"description":         "zonkvmd " + string(c.Hostname),
		"create_default_rule": 0,
	}
	if c.UserID > 0 {
		f["uid"] = c.UserID.idString()
	}
	if c.Type != "" {
		f["type"] = string(c.Type)
	}
	var res struct {
		ID num `json:"id"`
	}
	if err := d.c.call(ctx, http.MethodPost, "security_groups", f, &res); err != nil {
		return "", fmt.Errorf("creating its security group: %w", err)
	}
	if res.ID <= 0 {
		return "", fmt.Errorf("creating its security group: %w: the answer has no id", provider.ErrUnavailable)
	}
	gid := res.ID.idString()
	link := form{"type": 1, "cloud": []string{id}}
	if err := d.c.call(ctx, http.MethodPost, "security_groups/"+gid+"/links", link, nil); err != nil {
		_ = d.c.call(ctx, http.MethodDelete, "security_groups/"+gid, nil, nil)
		return "", fmt.Errorf("binding its security group: %w", err)
	}
	return gid, nil
}

// dropGroup deletes the security group of a deleted cloud, if it had one.
// Failures are ignored: the cloud is gone, an orphan group harms nothing.
func (d *Driver) dropGroup(ctx context.Context, id string) {
	d.mu.Lock()
	gid := d.groups[id]
	delete(d.groups, id)
	d.mu.Unlock()
	if gid == "" {
		g, ok, err := findByName[secGroup](ctx, d.c, "security_groups", groupName(id))
		if err != nil || !ok {
			return
		}
		gid = g.rowID()
	}
	_ = d.c.call(ctx, http.MethodDelete, "security_groups/"+gid, nil, nil)
}
