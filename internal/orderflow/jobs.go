package orderflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/provider"
)

// ErrBroken marks a job that the order's stored data can never let work (a
// sealed secret that does not open, a lease order without a machine): it
// is not retried, and a purchase ends.
var ErrBroken = errors.New("the order's data cannot serve this job")

// JobOutcome turns the outcome err of job a on an order of business into
// what the job runner wants from jobs.Handler.Do. A provisioning that fails
// for good (the provider rejects it or cannot do it, or ErrBroken) or on
// its last attempt ends the purchase: FailPurchase refunds it in full,
// deletes the order with the reason kept and runs undo (may be nil) in its
// transaction; the job then fails for good. Any other operation failing for
// good fails its job at once; the rest are retried with backoff (so a
// provider that cannot be reached or opened is retried, and its last
// attempt of a provisioning ends the purchase: no order stays in 开通中).
// It returns nil when err is nil.
func (e *Engine) JobOutcome(ctx context.Context, business string, a jobs.Args, final bool, err error,
	undo func(ctx context.Context, tx pgx.Tx) error) error {
	if err == nil {
		return nil
	}
	forGood := errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrUnsupported) || errors.Is(err, ErrBroken)
	if a.Op == jobs.OpProvision && (final || forGood) {
		if ferr := e.FailPurchase(ctx, business, a.OrderID, err.Error(), undo); ferr != nil {
			return fmt.Errorf("%w (and ending the purchase failed: %v)", err, ferr)
		}
		return jobs.Permanent(err)
	}
	if forGood {
		return jobs.Permanent(err)
	}
	return err
}
