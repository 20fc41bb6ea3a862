package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/govscore/govscore/batch"
	"github.com/govscore/govscore/dataset"
	"github.com/govscore/govscore/gaming"
	"github.com/govscore/govscore/store/postgres"
)

// gamingReport runs the gaming checks (package gaming) on the current
// data of record of period, read in one snapshot as a run reads it (the
// metric versions of the period and the previous one, the current
// ratings) and scored in memory with the set in force: nothing is stored
// and no run is recorded. A report: no score changes.
func (s *Server) gamingReport(ctx context.Context, period dataset.Period) (*gaming.Report, error) {
	set, err := s.currentSet(ctx)
	if err != nil {
		return nil, err
	}
	snap, err := s.db.ReadRunSnapshot(ctx, period)
	if err != nil {
		return nil, err
	}
	b, err := batch.Run(ctx, snapshotSource{snap}, set, batch.Options{Period: period.String(), At: s.cfg.Now()})
	if err != nil {
		return nil, err
	}
	return gaming.Run(gaming.InputOf(b, snap.Ratings), gaming.Options{}), nil
}

// apiGaming is GET /api/v1/periods/{period}/gaming (admin).
func (s *Server) apiGaming(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	rep, status, msg := s.gaming(r, per)
	s.answerJSON(w, r, rep, status, msg)
}

// gaming runs the checks for a request: a period without data or that
// cannot be scored is 422 with the reason.
func (s *Server) gaming(r *http.Request, per dataset.Period) (*gaming.Report, int, string) {
	if _, err := s.db.ServerPeriod(r.Context(), per.String()); errors.Is(err, postgres.ErrNotFound) {
		return nil, http.StatusNotFound, fmt.Sprintf("period %s is unknown", per)
	}
	rep, err := s.gamingReport(r.Context(), per)
	switch {
	case errors.Is(err, postgres.ErrNotFound):
		return nil, http.StatusConflict, "no indicator set is in force"
	case err != nil && batch.IsInvalidInput(err):
		return nil, http.StatusUnprocessableEntity, err.Error()
	case err != nil:
		s.log.Error("gaming checks", "err", err)
		return nil, http.StatusInternalServerError, "internal error"
	}
	return rep, 0, ""
}
