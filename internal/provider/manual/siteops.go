package manual

import (
	"context"

	"github.com/zonkvm/zonkvmd/internal/provider"
)

var _ provider.SiteOps = (*Driver)(nil)

// secretArgs are the site operations' arguments a task never holds: staff
// read a password from the order (sealed there) and a private key from
// the reseller's ticket, never from operator_tasks.
var secretArgs = map[string]bool{"password": true, "key": true}

// SiteOp records an operation that changes site s as a "site_<op>" task for
// staff (its arguments without passwords or private keys) and returns
// nil once recorded; a retried request finds the open task of the same
// kind and arguments. Reads answer provider.ErrUnsupported: only staff
// could answer them, not at once.
func (d *Driver) SiteOp(ctx context.Context, s provider.Site, op provider.SiteOp, a provider.SiteArgs) (any, error) {
	if !op.Writes() {
		return nil, unsupported("site " + string(op))
	}
	payload := sitePayload(s)
	for k, v := range a {
		if secretArgs[k] {
			payload[k+"_given"] = v != ""
			continue
		}
		payload[k] = v
	}
	return nil, d.recordTask(ctx, s.ID, "site_"+string(op), payload)
}
