package server

import (
	"net/http"

	"github.com/govscore/govscore/store/postgres"
)

// pageAssessor is GET /assessor: a third-party assessor's upload form
// (its items, the open periods).
func (s *Server) pageAssessor(w http.ResponseWriter, r *http.Request) {
	s.renderAssessor(w, r, http.StatusOK, nil, nil, "", false)
}

func (s *Server) renderAssessor(w http.ResponseWriter, r *http.Request, status int, rep *postgres.SubmitReport, errs []cellError, msg string, dry bool) {
	ps, err := s.db.ServerPeriods(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	s.render(w, r, status, "assessor", "assessor", map[string]any{"Periods": ps, "Items": assessorItems(accountOf(r)),
		"Report": rep, "Errors": errs, "Message": msg, "Dry": dry})
}

// pageAssessorPost is POST /assessor: a ratings file in the §3
// assessments layout, as PUT /api/v1/periods/{period}/ratings takes it;
// "preview" stores nothing.
func (s *Server) pageAssessorPost(w http.ResponseWriter, r *http.Request) {
	per, name, data, status, msg := formUpload(r, tr(langOf(r), "choose_file"))
	if status != 0 {
		s.renderAssessor(w, r, status, nil, nil, msg, false)
		return
	}
	dry := r.PostFormValue("action") == "preview"
	rep, errs, status, msg := s.submitRatings(r, accountOf(r), per, name, data, dry)
	if status == 0 {
		status = http.StatusOK
	}
	s.renderAssessor(w, r, status, rep, errs, msg, dry)
}
