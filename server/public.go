package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"

	"github.com/govscore/govscore/store/postgres"
)

// publication is the state of a period's publication: the batch that
// stands (Current) and the ones it superseded, newest first.
type publication struct {
	Period     string
	Current    postgres.BatchInfo
	Superseded []postgres.BatchInfo
	// Withheld says why the batch that stands is not served (it failed
	// its last verification); empty when it is served.
	Withheld string
}

// published returns the publication of period, or ErrNotFound when
// nothing of it is published, or an *integrityError when the batch that
// stands fails verification (it is not served).
func (s *Server) published(ctx context.Context, period string) (*publication, error) {
	pub, err := s.publicationOf(ctx, period)
	if err != nil {
		return nil, err
	}
	if err := s.verifier.check(ctx, pub.Current.ID); err != nil {
		return nil, err
	}
	return pub, nil
}

// publicationOf is published without the verification: for the lists of
// periods, which mark a withheld batch instead of failing.
func (s *Server) publicationOf(ctx context.Context, period string) (*publication, error) {
	bs, err := s.db.PublishedBatches(ctx, period)
	if err != nil {
		return nil, err
	}
	if len(bs) == 0 {
		return nil, fmt.Errorf("period %s has no published batch: %w", period, postgres.ErrNotFound)
	}
	pub := &publication{Period: period, Current: bs[0], Superseded: bs[1:]}
	if err := s.verifier.withheld(pub.Current.ID); err != nil {
		pub.Withheld = err.Error()
	}
	return pub, nil
}

// publications returns the publication of every period with a published
// batch, newest period first, from one query; like publicationOf, it
// marks a withheld batch instead of failing.
func (s *Server) publications(ctx context.Context) ([]*publication, error) {
	bs, err := s.db.AllPublishedBatches(ctx)
	if err != nil {
		return nil, err
	}
	var pubs []*publication
	for i := 0; i < len(bs); {
		j := i + 1
		for j < len(bs) && bs[j].Period == bs[i].Period {
			j++
		}
		pub := &publication{Period: bs[i].Period, Current: bs[i], Superseded: bs[i+1 : j]}
		if err := s.verifier.withheld(pub.Current.ID); err != nil {
			pub.Withheld = err.Error()
		}
		pubs = append(pubs, pub)
		i = j
	}
	return pubs, nil
}

// publicResultsJSON is a stored results.json for the public audience:
// without the "assessments" member (per-item rater statistics and the
// reciprocity flags between raters, which may identify raters).
func publicResultsJSON(stored []byte) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(stored, &m); err != nil {
		return nil, err
	}
	delete(m, "assessments")
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	if err := enc.Encode(m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// apiPublishedList is GET /api/v1/published: the published periods, each
// with the batch that stands and those it superseded.
func (s *Server) apiPublishedList(w http.ResponseWriter, r *http.Request) {
	pubs, err := s.publications(r.Context())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, pub := range pubs {
		var sup []int64
		for _, b := range pub.Superseded {
			sup = append(sup, b.ID)
		}
		e := map[string]any{"period": pub.Period, "batch": pub.Current.ID, "published_at": pub.Current.PublishedAt, "superseded": sup}
		if pub.Withheld != "" {
			e["withheld"] = pub.Withheld
		}
		out = append(out, e)
	}
	writeJSON(w, http.StatusOK, out)
}

// apiPublished is GET /api/v1/published/{period}: the results.json of the
// batch that stands, for the public.
func (s *Server) apiPublished(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	pub, err := s.published(r.Context(), per.String())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := s.db.WriteOutput(r.Context(), pub.Current.ID, "results.json", &b); err != nil {
		s.failErr(w, r, err)
		return
	}
	js, err := publicResultsJSON(b.Bytes())
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Govscore-Batch", fmt.Sprint(pub.Current.ID))
	w.Write(js)
}

// diffJSON is the body of GET /api/v1/published/{period}/diff.
type diffJSON struct {
	Period     string                 `json:"period"`
	Batch      int64                  `json:"batch"`
	Supersedes int64                  `json:"supersedes,omitempty"`
	Results    []changeJSON           `json:"results"`
	Inputs     []postgres.InputChange `json:"inputs"`
	// Appeals marks the changed inputs that hold an appeal's correction.
	Appeals []appealMark `json:"appeals"`
	// Ratings are the ratings read at other versions; the public sees
	// which item, subject and role changed, the admin also the rater and
	// the scores (old → new).
	Ratings []ratingChangeJSON `json:"ratings"`
	// Full: the rating changes name raters and scores (an admin's view).
	Full bool `json:"-"`
}

// ratingChangeJSON is a rating two batches read at different versions.
type ratingChangeJSON struct {
	Period  string   `json:"period"`
	Item    string   `json:"item"`
	Subject string   `json:"subject"`
	Role    string   `json:"role"`
	Rater   string   `json:"rater,omitempty"`
	Old     *float64 `json:"old,omitempty"`
	New     *float64 `json:"new,omitempty"`
}

// changeJSON is one subject whose result differs between two batches.
type changeJSON struct {
	Subject   string `json:"subject"`
	Name      string `json:"name"`
	PeerGroup string `json:"peer_group"`
	resultChange
}

// resultChange is a subject's result before and after: in two batches of
// a diff, or in the disputed batch and a recomputation after an appeal.
type resultChange struct {
	ScoreOld *float64 `json:"score_old"`
	ScoreNew *float64 `json:"score_new"`
	RankOld  int      `json:"rank_old,omitempty"`
	RankNew  int      `json:"rank_new,omitempty"`
	GradeOld string   `json:"grade_old,omitempty"`
	GradeNew string   `json:"grade_new,omitempty"`
}

// newResultChange is the change from one score, rank and grade to
// another; a NaN score is none.
func newResultChange(scoreOld, scoreNew float64, rankOld, rankNew int, gradeOld, gradeNew string) resultChange {
	return resultChange{ScoreOld: numPtr(scoreOld), ScoreNew: numPtr(scoreNew), RankOld: rankOld, RankNew: rankNew, GradeOld: gradeOld, GradeNew: gradeNew}
}

func numPtr(x float64) *float64 {
	if math.IsNaN(x) {
		return nil
	}
	return &x
}

// diff compares the batch that stands for period with the one it
// superseded: the subjects whose result changed and the inputs read at
// other versions (old → new).
//
// With full (the caller is the admin), rating changes name the rater and
// the scores; without, only the item, subject and role (the public
// audience sees no rater-identifying detail).
func (s *Server) diff(ctx context.Context, period string, full bool) (*diffJSON, error) {
	pub, err := s.published(ctx, period)
	if err != nil {
		return nil, err
	}
	d := &diffJSON{Period: period, Batch: pub.Current.ID, Results: []changeJSON{}, Inputs: []postgres.InputChange{},
		Ratings: []ratingChangeJSON{}, Full: full, Appeals: []appealMark{}}
	if len(pub.Superseded) == 0 {
		return d, nil
	}
	old := pub.Superseded[0].ID
	d.Supersedes = old
	if err := s.verifier.check(ctx, old); err != nil {
		return nil, err
	}
	cs, err := s.db.Diff(ctx, old, pub.Current.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range cs {
		d.Results = append(d.Results, changeJSON{Subject: c.Subject, Name: c.Name, PeerGroup: c.PeerGroup,
			resultChange: newResultChange(c.ScoreA, c.ScoreB, c.RankA, c.RankB, c.GradeA, c.GradeB)})
	}
	in, err := s.db.InputChanges(ctx, old, pub.Current.ID)
	if err != nil {
		return nil, err
	}
	if in != nil {
		d.Inputs = in
	}
	rcs, err := s.db.RatingChanges(ctx, old, pub.Current.ID)
	if err != nil {
		return nil, err
	}
	for _, c := range rcs {
		rc := ratingChangeJSON{Period: c.Period, Item: c.Item, Subject: c.Subject, Role: c.NewRole}
		if rc.Role == "" {
			rc.Role = c.OldRole
		}
		if full {
			rc.Rater, rc.Old, rc.New = c.Rater, c.Old, c.New
		}
		d.Ratings = append(d.Ratings, rc)
	}
	if d.Appeals, err = s.appealMarks(ctx, d.Inputs, rcs); err != nil {
		return nil, err
	}
	return d, nil
}

// apiPublishedDiff is GET /api/v1/published/{period}/diff.
func (s *Server) apiPublishedDiff(w http.ResponseWriter, r *http.Request) {
	per, ok := s.pathPeriod(w, r)
	if !ok {
		return
	}
	d, err := s.diff(r.Context(), per.String(), isAdmin(r))
	if err != nil {
		s.failErr(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}
