package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"

	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/store/postgres"
)

// runner runs batches in the background, one goroutine each, cancellable.
// A run stores its batch and its end in one transaction (SaveRunBatch), so
// a run stopped at any point — cancelled, failed, or the server killed —
// has stored nothing; a new server marks the runs a dead one left running
// as failed (New).
type runner struct {
	s       *Server
	mu      sync.Mutex
	cancels map[int64]context.CancelFunc
	wg      sync.WaitGroup
	base    context.Context
	stop    context.CancelFunc
}

func newRunner(s *Server) *runner {
	base, stop := context.WithCancel(context.Background())
	return &runner{s: s, cancels: map[int64]context.CancelFunc{}, base: base, stop: stop}
}

// testHookScored, set by tests, runs in a batch run after scoring and
// before storing.
var testHookScored func(ctx context.Context, run int64)

// start runs run id of period in the background.
func (rn *runner) start(id int64, period, actor string) {
	ctx, cancel := context.WithCancel(rn.base)
	rn.mu.Lock()
	rn.cancels[id] = cancel
	rn.mu.Unlock()
	rn.wg.Add(1)
	go func() {
		defer rn.wg.Done()
		defer func() {
			rn.mu.Lock()
			delete(rn.cancels, id)
			rn.mu.Unlock()
			cancel()
		}()
		rn.run(ctx, id, period, actor)
	}()
}

// cancel cancels run id if this server runs it; it reports whether it did.
func (rn *runner) cancel(id int64) bool {
	rn.mu.Lock()
	c, ok := rn.cancels[id]
	rn.mu.Unlock()
	if ok {
		c()
	}
	return ok
}

// stopAll cancels every run and waits for them to end.
func (rn *runner) stopAll() {
	rn.stop()
	rn.wg.Wait()
}

// run does one batch run: read the set and the current data (recording the
// versions read), score with the pipeline, store the batch with its
// outputs. Progress is written to the run as it goes.
func (rn *runner) run(ctx context.Context, id int64, period, actor string) {
	s := rn.s
	err := func() error {
		step := func(p float64, stage string) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			return s.db.RunProgress(ctx, id, p, stage)
		}
		if err := step(0.05, "reading the indicator set"); err != nil {
			return err
		}
		set, err := s.currentSet(ctx)
		if err != nil {
			return err
		}
		if err := step(0.1, "reading the data and scoring"); err != nil {
			return err
		}
		snap, err := readInputs(ctx, s.db, id, period)
		if err != nil {
			return err
		}
		b, err := pipeline(ctx, snap, set, s.cfg.Now())
		if err != nil {
			return err
		}
		if testHookScored != nil {
			testHookScored(ctx, id)
		}
		if err := step(0.7, "storing"); err != nil {
			return err
		}
		bid, err := s.db.SaveRunBatch(ctx, id, record(b), outputs(b), actor)
		if err != nil {
			return err
		}
		s.log.Info("batch stored", "run", id, "batch", bid, "period", period, "subjects", len(b.Result.Subjects))
		return nil
	}()
	if err == nil {
		return
	}
	status, msg := "failed", err.Error()
	if errors.Is(err, context.Canceled) || errors.Is(err, postgres.ErrCancelled) {
		status, msg = "cancelled", "cancelled"
		if rn.base.Err() != nil {
			msg = "cancelled: the server stopped"
		}
	}
	if _, ferr := s.db.FinishRun(context.Background(), id, status, msg); ferr != nil {
		s.log.Error("recording the end of a run", "run", id, "err", ferr)
	}
	s.log.Warn("batch run ended without a batch", "run", id, "status", status, "err", msg)
}

// apiStartBatch is POST /api/v1/batches {period} (admin) → 202 {id}.
func (s *Server) apiStartBatch(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Period string `json:"period"`
	}
	if !s.readJSON(w, r, &in) {
		return
	}
	id, status, msg := s.startBatch(r, in.Period)
	if status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	w.Header().Set("Location", fmt.Sprintf("/api/v1/batches/%d", id))
	writeJSON(w, http.StatusAccepted, map[string]any{"id": id})
}

// startBatch checks the period and starts a run of it as the caller.
func (s *Server) startBatch(r *http.Request, period string) (int64, int, string) {
	per, err := dataset.ParsePeriod(period)
	if err != nil || per.String() != period {
		return 0, http.StatusBadRequest, fmt.Sprintf("period %q: want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", period)
	}
	if _, err := s.db.ServerPeriod(r.Context(), period); err != nil {
		if errors.Is(err, postgres.ErrNotFound) {
			return 0, http.StatusNotFound, fmt.Sprintf("period %s is unknown: open it first", period)
		}
		return 0, http.StatusInternalServerError, "internal error"
	}
	if _, err := s.currentSet(r.Context()); err != nil {
		return 0, http.StatusConflict, "no indicator set is in force: PUT /api/v1/set first"
	}
	actor := accountOf(r).Name
	id, err := s.db.AddRun(r.Context(), period, actor)
	if err != nil {
		s.log.Error("adding a run", "err", err)
		return 0, http.StatusInternalServerError, "internal error"
	}
	s.runner.start(id, period, actor)
	return id, 0, ""
}

// apiGetBatch is GET /api/v1/batches/{id} (admin): status and progress.
func (s *Server) apiGetBatch(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	run, err := s.db.Run(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, runJSON(run))
}

// runJSON is a run as the API shows it: status is the run's while it runs
// and its batch's (draft, approved, published) once stored.
func runJSON(run *postgres.RunInfo) map[string]any {
	st := run.Status
	if run.BatchStatus != "" {
		st = run.BatchStatus
	}
	m := map[string]any{"id": run.ID, "period": run.Period, "status": st, "progress": run.Progress, "stage": run.Stage,
		"created_by": run.CreatedBy, "created_at": run.CreatedAt}
	if run.Error != "" {
		m["error"] = run.Error
	}
	if run.BatchID != 0 {
		m["batch"] = run.BatchID
	}
	if run.FinishedAt != nil {
		m["finished_at"] = run.FinishedAt
	}
	if run.InputsSHA256 != "" {
		m["inputs_sha256"] = run.InputsSHA256
	}
	return m
}

// apiCancelBatch is POST /api/v1/batches/{id}/cancel (admin).
func (s *Server) apiCancelBatch(w http.ResponseWriter, r *http.Request) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	if status, msg := s.cancelRun(r, id); status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	run, err := s.db.Run(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, runJSON(run))
}

// cancelRun cancels a queued or running run.
func (s *Server) cancelRun(r *http.Request, id int64) (int, string) {
	run, err := s.db.Run(r.Context(), id)
	if err != nil {
		if errors.Is(err, postgres.ErrNotFound) {
			return http.StatusNotFound, fmt.Sprintf("batch %d does not exist", id)
		}
		return http.StatusInternalServerError, "internal error"
	}
	if run.Status != "queued" && run.Status != "running" {
		return http.StatusConflict, fmt.Sprintf("batch %d is %s: only a queued or running batch can be cancelled", id, run.Status)
	}
	if !s.runner.cancel(id) {
		if _, err := s.db.FinishRun(r.Context(), id, "cancelled", "cancelled"); err != nil {
			return http.StatusInternalServerError, "internal error"
		}
	}
	s.db.Audit(r.Context(), postgres.AuditEntry{Actor: accountOf(r).Name, Action: "batch.cancel", Object: fmt.Sprintf("run/%d", id)})
	return 0, ""
}

// apiApprove is POST /api/v1/batches/{id}/approve (admin): the logged-in
// admin approves the stored batch of the run.
func (s *Server) apiApprove(w http.ResponseWriter, r *http.Request) {
	s.apiTransition(w, r, postgres.Approved)
}

// apiPublish is POST /api/v1/batches/{id}/publish (admin).
func (s *Server) apiPublish(w http.ResponseWriter, r *http.Request) {
	s.apiTransition(w, r, postgres.Published)
}

func (s *Server) apiTransition(w http.ResponseWriter, r *http.Request, to postgres.Status) {
	id, ok := s.pathID(w, r)
	if !ok {
		return
	}
	if status, msg := s.transition(r, id, to); status != 0 {
		s.fail(w, r, status, codeOf(status), msg)
		return
	}
	run, err := s.db.Run(r.Context(), id)
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, runJSON(run))
}

// transition approves or publishes the batch stored by run id, as the
// logged-in admin.
func (s *Server) transition(r *http.Request, id int64, to postgres.Status) (int, string) {
	run, err := s.db.Run(r.Context(), id)
	if err != nil {
		if errors.Is(err, postgres.ErrNotFound) {
			return http.StatusNotFound, fmt.Sprintf("batch %d does not exist", id)
		}
		return http.StatusInternalServerError, "internal error"
	}
	if run.BatchID == 0 {
		return http.StatusConflict, fmt.Sprintf("batch %d is %s: it has no stored results to %s", id, run.Status, verb(to))
	}
	if err := s.db.SetBatchStatus(r.Context(), run.BatchID, to, accountOf(r).Name); err != nil {
		if errors.Is(err, postgres.ErrTransition) || errors.Is(err, postgres.ErrPublished) {
			return http.StatusConflict, err.Error()
		}
		s.log.Error("batch transition", "err", err)
		return http.StatusInternalServerError, "internal error"
	}
	return 0, ""
}

func verb(to postgres.Status) string {
	if to == postgres.Approved {
		return "approve"
	}
	return "publish"
}
