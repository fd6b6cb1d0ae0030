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

// forGood reports whether err is one no retry can fix: the provider
// rejects the request or cannot do it, or the order's data cannot serve.
func forGood(err error) bool {
	return errors.Is(err, provider.ErrRejected) || errors.Is(err, provider.ErrUnsupported) || errors.Is(err, ErrBroken)
}

// The job outcome rule: what a job's error err means for its order, turned
// into what jobs.Func returns (nil when err is nil, jobs.Permanent for an
// end, err itself for a retry with backoff). A provider that cannot be
// reached or opened is retried, so no order stays in 开通中 or
// mid-operation for ever: the last attempt ends it like a failure for
// good.

// ProvisionOutcome is the rule of a provisioning job of order id of b: a
// failure for good or on the last attempt ends the purchase (FailPurchase:
// refunded in full, deleted with the reason kept, undo run in its
// transaction; undo may be nil) and the job; any other failure is retried.
func (e *Engine) ProvisionOutcome(ctx context.Context, b Business, id int64, final bool, err error,
	undo func(ctx context.Context, tx pgx.Tx) error) error {
	if err == nil {
		return nil
	}
	if !purchaseEnds(final, err) {
		return err
	}
	if ferr := e.FailPurchase(ctx, b, id, err.Error(), undo); ferr != nil {
		return fmt.Errorf("%w (and ending the purchase failed: %v)", err, ferr)
	}
	return jobs.Permanent(err)
}

// OperationOutcome is the rule of an operation a reseller started (power,
// reinstall, passwords) on order id of b: a failure for good, on the last
// attempt, or on a machine the provider no longer knows ends the operation
// (FailOperation: act_status back to 0, the reason kept) and the job; any
// other failure is retried with act_status unchanged.
func (e *Engine) OperationOutcome(ctx context.Context, b Business, id int64, kind string, final bool, err error) error {
	if err == nil {
		return nil
	}
	if !operationEnds(final, err) {
		return err
	}
	if ferr := e.FailOperation(ctx, b, id, kind, err); ferr != nil {
		return fmt.Errorf("%w (and ending the operation failed: %v)", err, ferr)
	}
	return jobs.Permanent(err)
}

// purchaseEnds reports whether a provisioning that failed with err ends
// the purchase: for good, or on the last attempt.
func purchaseEnds(final bool, err error) bool { return final || forGood(err) }

// operationEnds reports whether an operation that failed with err ends:
// for good, on the last attempt, or on a machine the provider lost.
func operationEnds(final bool, err error) bool {
	return final || forGood(err) || errors.Is(err, provider.ErrNotFound)
}

// Outcome is the rule of every other job (destroy, resize, lock, unlock):
// a failure for good ends the job, any other is retried.
func Outcome(err error) error {
	if err != nil && forGood(err) {
		return jobs.Permanent(err)
	}
	return err
}

// maxReason bounds what status_reason keeps of an error.
const maxReason = 1000

// FailOperation ends the operation kind on order id that failed for good:
// act_status back to 0 (the run status as it was) and the reason kept in
// status_reason for the operator. An order refunded or recycled meanwhile
// (-2, -1) keeps its own reason: the job lost the race and its failure
// says nothing the operator needs. It returns the database's error.
func (e *Engine) FailOperation(ctx context.Context, b Business, id int64, kind string, cause error) error {
	reason := postgres.Clip(kind+" failed: "+cause.Error(), maxReason)
	if _, err := e.DB.Exec(ctx, `UPDATE `+b.Orders+` SET act_status = 0,
		status_reason = CASE WHEN order_status IN (-1, -2) THEN status_reason ELSE $2 END,
		updated_at = now() WHERE id = $1`, id, reason); err != nil {
		return fmt.Errorf("orderflow: end %s of %s order %d: %w", kind, b.Name, id, err)
	}
	return nil
}
