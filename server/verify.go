package server

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/govscore/govscore/store/postgres"
)

// verifyActor is the actor of the audit entries of the verifier.
const verifyActor = "govscore-verify"

// verifier checks the published batches against the digests recorded when
// they were stored (postgres.DB.Verify, as `govscore batch verify`, with
// the output files read back): every one at start and every
// Config.VerifyAllEvery; the standing ones (standing) every
// Config.VerifyEvery; and a batch not checked yet when a request first
// needs it. A batch that fails is not served (409) until a later check
// passes; each change of state is logged and audited.
type verifier struct {
	s        *Server
	mu       sync.Mutex
	state    map[int64]error         // nil: verified; else why it is withheld
	inflight map[int64]chan struct{} // checks running, closed when done
}

func newVerifier(s *Server) *verifier {
	return &verifier{s: s, state: map[int64]error{}, inflight: map[int64]chan struct{}{}}
}

// integrityError is a published batch that failed verification.
type integrityError struct {
	batch int64
	err   error
}

func (e *integrityError) Error() string {
	if errors.Is(e.err, postgres.ErrNoDigest) {
		return fmt.Sprintf("batch %d cannot be verified (it has no recorded digest), so it is not served; the office is told", e.batch)
	}
	return fmt.Sprintf("batch %d failed its integrity check: what is stored no longer matches the SHA-256 recorded when it was stored, so it is not served; the office is told", e.batch)
}

func (e *integrityError) Unwrap() error { return e.err }

// isIntegrity reports whether err is a failed verification (ErrIntegrity
// or ErrNoDigest).
func isIntegrity(err error) bool {
	return errors.Is(err, postgres.ErrIntegrity) || errors.Is(err, postgres.ErrNoDigest)
}

// check returns nil when batch id may be served: verified by the last
// check, or verified now when it has not been checked yet. A failed
// verification is an *integrityError; another error (the database) is
// returned as it is and not remembered.
func (v *verifier) check(ctx context.Context, id int64) error {
	v.mu.Lock()
	err, done := v.state[id]
	v.mu.Unlock()
	if !done {
		if err = v.verify(ctx, id); err != nil && !isIntegrity(err) {
			return err
		}
	}
	if err != nil {
		return &integrityError{batch: id, err: err}
	}
	return nil
}

// withheld returns why batch id is not served, nil when it is (or has not
// been checked yet); it never waits.
func (v *verifier) withheld(id int64) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	if err := v.state[id]; err != nil {
		return &integrityError{batch: id, err: err}
	}
	return nil
}

// verify checks batch id now and records the outcome; a change of state
// (first failure, restored) is logged and audited. It returns Verify's
// error. When a check of it is running already, verify waits for that
// one's outcome instead.
func (v *verifier) verify(ctx context.Context, id int64) error {
	v.mu.Lock()
	for {
		wait, ok := v.inflight[id]
		if !ok {
			break
		}
		// A check of it is running: its outcome is this one's, unless it
		// could not be made (the database), which leaves nothing concluded.
		v.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
		v.mu.Lock()
		if err, known := v.state[id]; known {
			v.mu.Unlock()
			return err
		}
	}
	done := make(chan struct{})
	v.inflight[id] = done
	v.mu.Unlock()
	defer func() {
		v.mu.Lock()
		delete(v.inflight, id)
		v.mu.Unlock()
		close(done)
	}()

	res, err := v.s.db.Verify(ctx, id, true)
	if err != nil && !isIntegrity(err) {
		return err // the check could not be made: nothing is concluded
	}
	v.mu.Lock()
	prev, known := v.state[id]
	v.state[id] = err
	v.mu.Unlock()
	log, obj := v.s.log, fmt.Sprintf("batch/%d", id)
	switch {
	case err != nil && (!known || prev == nil):
		log.Error("published batch failed verification: it is not served", "batch", id, "err", err)
		if aerr := v.s.db.Audit(context.WithoutCancel(ctx), postgres.AuditEntry{Actor: verifyActor, Action: "batch.verify_failed",
			Object: obj, Detail: map[string]any{"error": err.Error()}}); aerr != nil {
			log.Error("auditing a failed verification", "batch", id, "err", aerr)
		}
	case err == nil && known && prev != nil:
		log.Warn("published batch verifies again: it is served", "batch", id, "sha256", res.SHA256)
		if aerr := v.s.db.Audit(context.WithoutCancel(ctx), postgres.AuditEntry{Actor: verifyActor, Action: "batch.verify_restored",
			Object: obj, After: res.SHA256}); aerr != nil {
			log.Error("auditing a restored verification", "batch", id, "err", aerr)
		}
	case err == nil && !known:
		log.Debug("published batch verified", "batch", id, "sha256", res.SHA256, "outputs", len(res.Outputs))
	}
	return err
}

// verifyAll checks every published batch (superseded ones included) and
// returns how many failed.
func (v *verifier) verifyAll(ctx context.Context) (int, error) {
	return v.verifyPublished(ctx, func(bs []postgres.BatchInfo) []postgres.BatchInfo { return bs })
}

// verifyPublished checks the published batches that pick takes from
// AllPublishedBatches' list and returns how many failed; a check that
// cannot be made (the database) stops it.
func (v *verifier) verifyPublished(ctx context.Context, pick func([]postgres.BatchInfo) []postgres.BatchInfo) (int, error) {
	bs, err := v.s.db.AllPublishedBatches(ctx)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, b := range pick(bs) {
		if err := v.verify(ctx, b.ID); err != nil {
			if !isIntegrity(err) {
				return failed, err
			}
			failed++
		}
	}
	return failed, nil
}

// standing are the published batches a reader meets first: per period the
// newest publication (the results in force) and the one before it (what
// the published diff compares it with). bs is AllPublishedBatches' list:
// grouped by period, newest publication first.
func standing(bs []postgres.BatchInfo) []postgres.BatchInfo {
	var out []postgres.BatchInfo
	for i, b := range bs {
		if i < 2 || bs[i-1].Period != b.Period || bs[i-2].Period != b.Period {
			out = append(out, b)
		}
	}
	return out
}

// verifyStanding checks the standing published batches (standing) and
// returns how many failed. Re-reading every output of every superseded
// batch each minute would grow with the number of batches (~0.7 s per
// 10,000-subject batch); those are checked by verifyAll, less often.
func (v *verifier) verifyStanding(ctx context.Context) (int, error) {
	return v.verifyPublished(ctx, standing)
}

// loop verifies every published batch now, then the standing ones every
// interval and all of them again once allEvery has passed since the last
// full check, until ctx is done.
func (v *verifier) loop(ctx context.Context, every, allEvery time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	var lastAll time.Time
	for {
		start := time.Now()
		check := v.verifyStanding
		if lastAll.IsZero() || start.Sub(lastAll) >= allEvery {
			check, lastAll = v.verifyAll, start
		}
		n, err := check(ctx)
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			v.s.log.Warn("verifying published batches", "err", err)
		default:
			v.s.log.Debug("verified published batches", "failed", n, "ms", time.Since(start).Milliseconds())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
