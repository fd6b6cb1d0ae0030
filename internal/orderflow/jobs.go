package orderflow

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/jobs"
	"github.com/zonkvm/zonkvmd/internal/postgres"
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
// transaction; the job then fails for good. An operation that a reseller
// started (power, reinstall, passwords) and that fails for good, on its
// last attempt, or on a machine the provider no longer knows, ends with
// act_status back to 0 and the reason kept (FailOperation). Anything else
// failing for good fails its job at once; the rest are retried with
// backoff, act_status unchanged (so a provider that cannot be reached or
// opened is retried, and no order stays in 开通中 or mid-operation for
// ever). It returns nil when err is nil.
func (e *Engine) JobOutcome(ctx context.Context, b Business, a jobs.Args, final bool, err error,
	undo func(ctx context.Context, tx pgx.Tx) error) error {
	if err == nil {
		return nil
	}
	forGood := errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrUnsupported) || errors.Is(err, ErrBroken)
	switch {
	case a.Op == jobs.OpProvision && (final || forGood):
		if ferr := e.FailPurchase(ctx, b, a.OrderID, err.Error(), undo); ferr != nil {
			return fmt.Errorf("%w (and ending the purchase failed: %v)", err, ferr)
		}
		return jobs.Permanent(err)
	case IsOperation(a.Op) && (final || forGood || errors.Is(err, provider.ErrNotFound)):
		if ferr := e.FailOperation(ctx, b, a, err); ferr != nil {
			return fmt.Errorf("%w (and ending the operation failed: %v)", err, ferr)
		}
		return jobs.Permanent(err)
	}
	if forGood {
		return jobs.Permanent(err)
	}
	return err
}

// operations are the jobs StartOperation begins, for which act_status
// shows progress.
var operations = map[string]bool{jobs.OpStart: true, jobs.OpStop: true, jobs.OpRestart: true,
	jobs.OpInstall: true, jobs.OpPassword: true, jobs.OpVNCPassword: true}

// IsOperation reports whether op is an operation a reseller starts.
func IsOperation(op string) bool { return operations[op] }

// maxReason bounds what status_reason keeps of an error.
const maxReason = 1000

// FailOperation ends an operation that failed for good: act_status back to
// 0 (the run status as it was) and the reason kept in status_reason for the
// operator. It returns the database's error.
func (e *Engine) FailOperation(ctx context.Context, b Business, a jobs.Args, cause error) error {
	reason := postgres.Clip(a.Op+" failed: "+cause.Error(), maxReason)
	if _, err := e.DB.Exec(ctx, `UPDATE `+b.Orders+` SET act_status = 0, status_reason = $2,
		updated_at = now() WHERE id = $1`, a.OrderID, reason); err != nil {
		return fmt.Errorf("orderflow: end %s of %s order %d: %w", a.Op, b.Name, a.OrderID, err)
	}
	return nil
}
