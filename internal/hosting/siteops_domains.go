package hosting

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/dispatch"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// DomainList serves hosting_domain_list: the site's domains, numbers as
// strings as the document shows them.
func DomainList(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	list, err := readAs[[]provider.Domain](ctx, o, provider.OpDomainList, nil)
	if err != nil {
		return nil, err
	}
	out := make([]map[string]any, 0, len(list))
	for _, d := range list[:min(len(list), maxListed)] {
		out = append(out, map[string]any{"id": strconv.FormatInt(d.ID, 10), "pid": strconv.FormatInt(o.site.ID, 10),
			"name": d.Name, "port": strconv.Itoa(d.Port), "addtime": d.Added})
	}
	return out, nil
}

// maxNewDomains bounds one hosting_add_domain.
const maxNewDomains = 20

type hostPort struct {
	host string
	port int
}

// parseDomains reads domainText: one "domain[:port]" a line (or comma).
func parseDomains(text string) ([]hostPort, error) {
	var out []hostPort
	for _, line := range strings.FieldsFunc(text, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		line = strings.ToLower(strings.TrimSpace(line))
		if line == "" {
			continue
		}
		host, portText, hasPort := strings.Cut(line, ":")
		port := 80
		if hasPort {
			n, err := strconv.Atoi(portText)
			if err != nil || n < 1 || n > 65535 || n == 22 || n == 21 || n == 3306 || n == 8888 {
				return nil, dispatch.ParamError("domainText", line+" 端口不合法")
			}
			port = n
		}
		if len(host) > 253 || !hostRe.MatchString(host) {
			return nil, dispatch.ParamError("domainText", line+" 不是有效的域名")
		}
		if !slices.Contains(out, hostPort{host, port}) {
			out = append(out, hostPort{host, port})
		}
	}
	switch {
	case len(out) == 0:
		return nil, dispatch.MissingParam("domainText")
	case len(out) > maxNewDomains:
		return nil, dispatch.ParamError("domainText", fmt.Sprintf("一次至多%d个", maxNewDomains))
	}
	return out, nil
}

func joinDomains(list []hostPort) string {
	out := make([]string, 0, len(list))
	for _, d := range list {
		out = append(out, d.host+":"+strconv.Itoa(d.port))
	}
	return strings.Join(out, ",")
}

// isSubdomain reports whether a name is a subdomain (www.a.com,
// blog.a.com) rather than a registrable domain (a.com, a.com.cn): the
// product counts the two against domainsub and domain.
func isSubdomain(host string) bool {
	labels := strings.Split(strings.TrimPrefix(host, "*."), ".")
	base := 2
	if n := len(labels); n >= 3 && slices.Contains([]string{"com", "net", "org", "gov", "edu"}, labels[n-2]) &&
		len(labels[n-1]) == 2 {
		base = 3 // a.com.cn
	}
	return strings.HasPrefix(host, "*.") || len(labels) > base
}

// AddDomain serves hosting_add_domain: the new names must fit the
// product's domain and domainsub limits (0: no limit), counted over the
// site's names other than the order's main domain. Names the site already
// has are skipped, so a retried request adds nothing twice. One add at a
// time per order (the order's row is locked meanwhile).
func (s *Service) AddDomain(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	text, err := req.Params.RequiredText("domainText")
	if err != nil {
		return nil, err
	}
	want, err := parseDomains(text)
	if err != nil {
		return nil, err
	}
	return nil, pgx.BeginFunc(ctx, s.DB, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT 1 FROM hosting_orders WHERE id = $1 FOR UPDATE`, o.id); err != nil {
			return fmt.Errorf("hosting_add_domain: lock order %d: %w", o.id, err)
		}
		have, known, err := checkList[provider.Domain](ctx, o, provider.OpDomainList)
		if err != nil {
			return err
		}
		if !known { // a task: staff apply the product's limits (in its payload)
			_, err := o.do(ctx, provider.OpDomainAdd, provider.SiteArgs{"domains": joinDomains(want),
				"max_domain": strconv.Itoa(o.maxDomain), "max_domainsub": strconv.Itoa(o.maxSub)})
			return err
		}
		names := map[string]bool{}
		for _, d := range have {
			if d.Name != o.domain {
				names[d.Name] = true
			}
		}
		var add []string
		for _, w := range want {
			if slices.ContainsFunc(have, func(d provider.Domain) bool { return d.Name == w.host && d.Port == w.port }) {
				continue
			}
			add = append(add, w.host+":"+strconv.Itoa(w.port))
			if w.host != o.domain {
				names[w.host] = true
			}
		}
		if len(add) == 0 {
			return nil
		}
		var doms, subs int
		for n := range names {
			if isSubdomain(n) {
				subs++
			} else {
				doms++
			}
		}
		switch {
		case o.maxDomain > 0 && doms > o.maxDomain:
			return dispatch.ParamError("domainText", fmt.Sprintf("超出产品可绑定域名数量(%d)", o.maxDomain))
		case o.maxSub > 0 && subs > o.maxSub:
			return dispatch.ParamError("domainText", fmt.Sprintf("超出产品可绑定子域名数量(%d)", o.maxSub))
		}
		_, err = o.do(ctx, provider.OpDomainAdd, provider.SiteArgs{"domains": strings.Join(add, ",")})
		return err
	})
}

// DelDomain serves hosting_del_domain: name (and port, 80 when absent)
// must be bound to the site, and not be the order's main domain.
func DelDomain(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	name, err := req.Params.RequiredText("name")
	if err != nil {
		return nil, err
	}
	name = strings.ToLower(strings.TrimSpace(name))
	port, err := req.Params.IntIn("port", 80, 1, 65535)
	if err != nil {
		return nil, err
	}
	if name == o.domain {
		return nil, dispatch.ParamError("name", "是主机的主域名,不能删除")
	}
	have, known, err := checkList[provider.Domain](ctx, o, provider.OpDomainList)
	if err != nil {
		return nil, err
	}
	if known && !slices.ContainsFunc(have, func(d provider.Domain) bool { return d.Name == name && d.Port == int(port) }) {
		return nil, dispatch.ParamError("name", "不存在")
	}
	_, err = o.do(ctx, provider.OpDomainDel, provider.SiteArgs{"name": name, "port": strconv.FormatInt(port, 10)})
	return nil, err
}

// maxBackups bounds a site's backups: more answer dispatch.ErrBackupsFull.
const maxBackups = 20

// BackupList serves hosting_backup_list: the site's backups, newest first.
func BackupList(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	list, err := readAs[[]provider.Backup](ctx, o, provider.OpBackupList, nil)
	if err != nil {
		return nil, err
	}
	slices.SortFunc(list, func(a, b provider.Backup) int { return int(b.ID - a.ID) })
	out := make([]map[string]any, 0, len(list))
	for _, b := range list[:min(len(list), maxListed)] {
		out = append(out, map[string]any{"id": strconv.FormatInt(b.ID, 10), "pid": strconv.FormatInt(o.site.ID, 10),
			"type": "0", "name": b.Name, "filename": b.Filename, "size": strconv.FormatInt(b.Size, 10),
			"addtime": b.Added})
	}
	return out, nil
}

// ToBackup serves hosting_to_backup. A request within two minutes of the
// order's last one is its retry: it answers success and makes no second
// backup (hosting_orders.last_backup_at, set before the panel is asked and
// cleared again when the panel fails).
func (s *Service) ToBackup(ctx context.Context, _ *dispatch.Request, o siteOrder) (any, error) {
	list, _, err := checkList[provider.Backup](ctx, o, provider.OpBackupList)
	if err != nil {
		return nil, err
	}
	if len(list) >= maxBackups {
		return nil, dispatch.ErrBackupsFull
	}
	tag, err := s.DB.Exec(ctx, `UPDATE hosting_orders SET last_backup_at = now()
		WHERE id = $1 AND (last_backup_at IS NULL OR last_backup_at < now() - interval '2 minutes')`, o.id)
	if err != nil {
		return nil, fmt.Errorf("hosting_to_backup: order %d: %w", o.id, err)
	}
	if tag.RowsAffected() == 0 {
		return nil, nil
	}
	if _, err := o.do(ctx, provider.OpBackupCreate, nil); err != nil {
		if _, uerr := s.DB.Exec(context.WithoutCancel(ctx),
			`UPDATE hosting_orders SET last_backup_at = NULL WHERE id = $1`, o.id); uerr != nil {
			return nil, fmt.Errorf("%w (and clearing last_backup_at: %v)", err, uerr)
		}
		return nil, err
	}
	return nil, nil
}

// DelBackup serves hosting_del_backup: the backup's id comes in bak_guid
// (id and backup_id too; semantics.md §6a) and must be one of the site's.
func DelBackup(ctx context.Context, req *dispatch.Request, o siteOrder) (any, error) {
	key := "bak_guid"
	for _, k := range []string{"bak_guid", "backup_id", "id"} {
		if req.Params.Has(k) {
			key = k
			break
		}
	}
	id, err := req.Params.Int(key, 0)
	if err != nil {
		return nil, err
	}
	if id <= 0 {
		return nil, dispatch.MissingParam("bak_guid")
	}
	list, known, err := checkList[provider.Backup](ctx, o, provider.OpBackupList)
	if err != nil {
		return nil, err
	}
	if known && !slices.ContainsFunc(list, func(b provider.Backup) bool { return b.ID == id }) {
		return nil, dispatch.ParamError(key, "不存在")
	}
	_, err = o.do(ctx, provider.OpBackupDelete, provider.SiteArgs{"id": strconv.FormatInt(id, 10)})
	return nil, err
}
