package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/diag"
)

// Sentinels of appeals.
var (
	// ErrWindowClosed: the period has no appeal window, or the time is
	// outside it.
	ErrWindowClosed = errors.New("the appeal window is closed")
	// ErrDecided: the appeal already has its decision.
	ErrDecided = errors.New("the appeal is already decided")
)

// AppealWindow is when subjects may appeal against a period: the
// half-open interval [OpensAt, ClosesAt), in UTC.
type AppealWindow struct {
	Period   string    `db:"period" json:"period"`
	OpensAt  time.Time `db:"opens_at" json:"opens_at"`
	ClosesAt time.Time `db:"closes_at" json:"closes_at"`
	SetBy    string    `db:"set_by" json:"set_by"`
	SetAt    time.Time `db:"set_at" json:"set_at"`
}

// Open reports whether t lies in the window.
func (w *AppealWindow) Open(t time.Time) bool { return !t.Before(w.OpensAt) && t.Before(w.ClosesAt) }

// Appeal is a filed appeal, with its decision once decided and the runs
// started to recompute after it.
type Appeal struct {
	ID      int64  `json:"id"`
	Period  string `json:"period"`
	Subject string `json:"subject"`
	By      string `json:"filed_by"`
	// Kind is metric, rating or adjustment; Target the metric name, item
	// id or adjustment id.
	Kind   string `json:"kind"`
	Target string `json:"target"`
	Reason string `json:"reason"`
	// Disputed is the value at filing (nil: missing, or not one number).
	Disputed *float64 `json:"disputed"`
	// Batch is the published batch the appeal disputes (0: none).
	Batch            int64           `json:"batch,omitempty"`
	AttachmentName   string          `json:"attachment_name,omitempty"`
	AttachmentType   string          `json:"attachment_type,omitempty"`
	AttachmentSHA256 string          `json:"attachment_sha256,omitempty"`
	AttachmentBytes  int             `json:"attachment_bytes,omitempty"`
	FiledAt          time.Time       `json:"filed_at"`
	Decision         *AppealDecision `json:"decision,omitempty"`
	Runs             []int64         `json:"runs"`
}

// AppealDecision is the decision of an appeal: accepted or rejected with a
// reason; an accepted correction names the metric, the corrected value and
// the metric version that holds it (attributed to the appeal).
type AppealDecision struct {
	Accepted   bool     `json:"accepted"`
	Reason     string   `json:"reason"`
	Metric     string   `json:"metric,omitempty"`
	Corrected  *float64 `json:"corrected_value,omitempty"`
	Submission int64    `json:"submission,omitempty"`
	Version    int64    `json:"version,omitempty"`
	// Withdrawn is how many ratings an accepted rating appeal withdrew.
	Withdrawn int       `json:"withdrawn,omitempty"`
	DecidedBy string    `json:"decided_by"`
	DecidedAt time.Time `json:"decided_at"`
}

// appealRow is an appeals row joined with its decision.
type appealRow struct {
	ID         int64           `db:"id"`
	Period     string          `db:"period"`
	Subject    string          `db:"subject"`
	By         string          `db:"by"`
	Kind       string          `db:"kind"`
	Target     string          `db:"target"`
	Reason     string          `db:"reason"`
	Disputed   sql.NullFloat64 `db:"disputed"`
	Batch      sql.NullInt64   `db:"batch_id"`
	AName      string          `db:"attachment_name"`
	AType      string          `db:"attachment_type"`
	ASHA       string          `db:"attachment_sha256"`
	ABytes     int             `db:"attachment_bytes"`
	FiledAt    time.Time       `db:"filed_at"`
	Decided    sql.NullBool    `db:"accepted"`
	DReason    sql.NullString  `db:"d_reason"`
	Metric     sql.NullString  `db:"metric"`
	Corrected  sql.NullFloat64 `db:"corrected"`
	Submission sql.NullInt64   `db:"submission_id"`
	Version    sql.NullInt64   `db:"version"`
	Withdrawn  int             `db:"withdrawn"`
	DecidedBy  sql.NullString  `db:"decided_by"`
	DecidedAt  sql.NullTime    `db:"decided_at"`
	Runs       pq.Int64Array   `db:"runs"`
}

func nullPtr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	x := n.Float64
	return &x
}

// toAppeal converts an appeals row.
func toAppeal(r appealRow) *Appeal {
	a := &Appeal{ID: r.ID, Period: r.Period, Subject: r.Subject, By: r.By, Kind: r.Kind, Target: r.Target, Reason: r.Reason,
		Disputed: nullPtr(r.Disputed), Batch: r.Batch.Int64, AttachmentName: r.AName, AttachmentType: r.AType,
		AttachmentSHA256: r.ASHA, AttachmentBytes: r.ABytes, FiledAt: r.FiledAt.UTC(), Runs: []int64(r.Runs)}
	if a.Runs == nil {
		a.Runs = []int64{}
	}
	if r.Decided.Valid {
		a.Decision = &AppealDecision{Accepted: r.Decided.Bool, Reason: r.DReason.String, Metric: r.Metric.String,
			Corrected: nullPtr(r.Corrected), Submission: r.Submission.Int64, Version: r.Version.Int64, Withdrawn: r.Withdrawn,
			DecidedBy: r.DecidedBy.String, DecidedAt: r.DecidedAt.Time.UTC()}
	}
	return a
}

const (
	sqlSetWindow = `INSERT INTO appeal_windows (period, opens_at, closes_at, set_by) VALUES ($1, $2, $3, $4)
ON CONFLICT (period) DO UPDATE SET opens_at = EXCLUDED.opens_at, closes_at = EXCLUDED.closes_at, set_by = EXCLUDED.set_by, set_at = now()`
	sqlWindow     = `SELECT period, opens_at, closes_at, set_by, set_at FROM appeal_windows WHERE period = $1`
	sqlFileAppeal = `INSERT INTO appeals (period, subject, account_id, kind, target, reason, disputed, batch_id,
	attachment_name, attachment_type, attachment_sha256, attachment, filed_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING id`
	sqlAppealSelect = `SELECT a.id, a.period, a.subject, ac.name AS by, a.kind, a.target, a.reason, a.disputed, a.batch_id,
	a.attachment_name, a.attachment_type, a.attachment_sha256, coalesce(length(a.attachment), 0) AS attachment_bytes, a.filed_at,
	d.accepted, d.reason AS d_reason, d.metric, d.corrected, d.submission_id,
	(SELECT v.id FROM metric_versions v WHERE v.submission_id = d.submission_id LIMIT 1) AS version,
	(SELECT count(*) FROM rating_versions v WHERE v.submission_id = d.rating_submission_id) AS withdrawn,
	d.decided_by, d.decided_at,
	ARRAY(SELECT run_id FROM appeal_runs r WHERE r.appeal_id = a.id ORDER BY run_id) AS runs
FROM appeals a JOIN accounts ac ON ac.id = a.account_id LEFT JOIN appeal_decisions d ON d.appeal_id = a.id`
	sqlAppeals = sqlAppealSelect + ` WHERE ($1 = '' OR a.subject = $1) AND ($2 = '' OR a.period = $2)
	AND ($3 = '' OR ($3 = 'filed' AND d.appeal_id IS NULL) OR ($3 = 'accepted' AND d.accepted) OR ($3 = 'rejected' AND NOT d.accepted))
ORDER BY a.id DESC`
	sqlAppeal           = sqlAppealSelect + ` WHERE a.id = $1`
	sqlAppealAttachment = `SELECT attachment_name, attachment_type, attachment FROM appeals WHERE id = $1 AND attachment IS NOT NULL`
	sqlLockAppeal       = `SELECT period, subject FROM appeals WHERE id = $1 FOR UPDATE`
	sqlDecided          = `SELECT EXISTS (SELECT 1 FROM appeal_decisions WHERE appeal_id = $1)`
	sqlCurrentCell      = `SELECT id, value FROM metric_versions WHERE period = $1 AND subject = $2 AND metric = $3 ORDER BY id DESC LIMIT 1`
	sqlAddVersion       = `INSERT INTO metric_versions (period, subject, metric, value, submission_id, replaces) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`
	sqlDecide           = `INSERT INTO appeal_decisions (appeal_id, accepted, reason, metric, corrected, submission_id, rating_submission_id, decided_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`
	sqlRatersOf = `SELECT DISTINCT ON (rater) rater, role, score FROM rating_versions
WHERE period = $1 AND item = $2 AND subject = $3 AND rater = ANY($4::text[]) ORDER BY rater, id DESC`
	sqlAppealsOfRatings = `SELECT c.i, (SELECT d.appeal_id FROM rating_versions v JOIN appeal_decisions d ON d.rating_submission_id = v.submission_id
  WHERE v.period = c.period AND v.item = c.item AND v.subject = c.subject AND v.rater = c.rater AND v.id > c.old ORDER BY v.id DESC LIMIT 1) AS appeal_id
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[]) WITH ORDINALITY AS c(period, item, subject, rater, old, i)`
	sqlAppealRun       = `INSERT INTO appeal_runs (appeal_id, run_id) VALUES ($1, $2)`
	sqlAppealsOfInputs = `SELECT v.id AS version, d.appeal_id FROM metric_versions v JOIN appeal_decisions d ON d.submission_id = v.submission_id
WHERE v.id = ANY($1::bigint[])`
)

// SetAppealWindow sets the appeal window of period, as actor: the
// half-open interval [opens, closes), stored in UTC. ErrNotFound when the
// period is unknown.
func (db *DB) SetAppealWindow(ctx context.Context, period string, opens, closes time.Time, actor string) error {
	if !closes.After(opens) {
		return fmt.Errorf("appeal window of %s: it must close after it opens", period)
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, "setting the appeal window", err)
	}
	defer tx.Rollback()
	var st string
	if err := tx.GetContext(ctx, &st, sqlLockPeriodRow, period); err != nil {
		return db.mapError(ctx, "period "+period, err)
	}
	var before AppealWindow
	hadBefore := true
	if err := tx.GetContext(ctx, &before, sqlWindow, period); errors.Is(err, sql.ErrNoRows) {
		hadBefore = false
	} else if err != nil {
		return db.mapError(ctx, "setting the appeal window", err)
	}
	if _, err := tx.ExecContext(ctx, sqlSetWindow, period, opens.UTC(), closes.UTC(), actor); err != nil {
		return db.mapError(ctx, "setting the appeal window", err)
	}
	e := AuditEntry{Actor: actor, Action: "appeal.window", Object: "period/" + period,
		After:  digestOf([2]time.Time{opens.UTC(), closes.UTC()}),
		Detail: map[string]any{"opens_at": opens.UTC(), "closes_at": closes.UTC()}}
	if hadBefore {
		e.Before = digestOf([2]time.Time{before.OpensAt.UTC(), before.ClosesAt.UTC()})
	}
	if err := audit(ctx, tx, e); err != nil {
		return db.mapError(ctx, "setting the appeal window", err)
	}
	return db.mapError(ctx, "setting the appeal window", tx.Commit())
}

// AppealWindowOf returns the appeal window of period, or ErrNotFound.
func (db *DB) AppealWindowOf(ctx context.Context, period string) (*AppealWindow, error) {
	var w AppealWindow
	if err := db.x.GetContext(ctx, &w, sqlWindow, period); err != nil {
		return nil, db.mapError(ctx, "appeal window of "+period, err)
	}
	w.OpensAt, w.ClosesAt, w.SetAt = w.OpensAt.UTC(), w.ClosesAt.UTC(), w.SetAt.UTC()
	return &w, nil
}

// NewAppeal is an appeal to file.
type NewAppeal struct {
	AccountID            int64
	Actor                string
	Period, Subject      string
	Kind, Target, Reason string
	Disputed             *float64
	Batch                int64
	AttachmentName       string
	AttachmentType       string // "" without an attachment
	Attachment           []byte
	// Now is the filing time, checked against the window.
	Now time.Time
}

// FileAppeal stores an appeal when Now lies in the period's appeal window
// (ErrWindowClosed otherwise), with its audit record; it returns its id.
func (db *DB) FileAppeal(ctx context.Context, a NewAppeal) (int64, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, "filing the appeal", err)
	}
	defer tx.Rollback()
	var w AppealWindow
	if err := tx.GetContext(ctx, &w, sqlWindow+` FOR SHARE`, a.Period); errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("period %s has no appeal window: %w", a.Period, ErrWindowClosed)
	} else if err != nil {
		return 0, db.mapError(ctx, "filing the appeal", err)
	}
	if !w.Open(a.Now) {
		return 0, fmt.Errorf("the appeal window of %s is [%s, %s) UTC: %w", a.Period,
			w.OpensAt.UTC().Format(time.RFC3339), w.ClosesAt.UTC().Format(time.RFC3339), ErrWindowClosed)
	}
	var disputed sql.NullFloat64
	if a.Disputed != nil {
		disputed = sql.NullFloat64{Float64: *a.Disputed, Valid: true}
	}
	var batch sql.NullInt64
	if a.Batch != 0 {
		batch = sql.NullInt64{Int64: a.Batch, Valid: true}
	}
	var att []byte
	sha := ""
	if a.AttachmentType != "" {
		att, sha = a.Attachment, digestBytes(a.Attachment)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, sqlFileAppeal, a.Period, a.Subject, a.AccountID, a.Kind, a.Target, a.Reason, disputed, batch,
		a.AttachmentName, a.AttachmentType, sha, att, a.Now.UTC()); err != nil {
		return 0, db.mapError(ctx, "filing the appeal", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: a.Actor, Action: "appeal.file", Object: fmt.Sprintf("appeal/%d", id), After: sha,
		Detail: map[string]any{"period": a.Period, "subject": a.Subject, "kind": a.Kind, "target": a.Target,
			"attachment_type": a.AttachmentType, "attachment_bytes": len(att)}}); err != nil {
		return 0, db.mapError(ctx, "filing the appeal", err)
	}
	return id, db.mapError(ctx, "filing the appeal", tx.Commit())
}

// Appeals lists appeals, newest first: of one subject ("" all), one
// period ("" all) and one status ("" all, filed, accepted, rejected).
func (db *DB) Appeals(ctx context.Context, subject, period, status string) ([]*Appeal, error) {
	var rows []appealRow
	if err := db.x.SelectContext(ctx, &rows, sqlAppeals, subject, period, status); err != nil {
		return nil, db.mapError(ctx, "listing appeals", err)
	}
	out := make([]*Appeal, len(rows))
	for i, r := range rows {
		out[i] = toAppeal(r)
	}
	return out, nil
}

// AppealByID returns one appeal, or ErrNotFound.
func (db *DB) AppealByID(ctx context.Context, id int64) (*Appeal, error) {
	var r appealRow
	if err := db.x.GetContext(ctx, &r, sqlAppeal, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("appeal %d", id), err)
	}
	return toAppeal(r), nil
}

// AppealAttachment returns an appeal's attachment, or ErrNotFound when it
// has none.
func (db *DB) AppealAttachment(ctx context.Context, id int64) (name, ctype string, data []byte, err error) {
	var r struct {
		Name string `db:"attachment_name"`
		Type string `db:"attachment_type"`
		Data []byte `db:"attachment"`
	}
	if err := db.x.GetContext(ctx, &r, sqlAppealAttachment, id); err != nil {
		return "", "", nil, db.mapError(ctx, fmt.Sprintf("attachment of appeal %d", id), err)
	}
	return r.Name, r.Type, r.Data, nil
}

// Decision is the office's decision on an appeal. With Accepted and a
// Corrected value (not nil), Metric of the appeal's subject in its period
// gets a new version holding it, stored by a submission of AccountID
// attributed to the appeal — even in a locked period: a decided appeal is
// the one way a locked period's data change.
type Decision struct {
	Appeal    int64
	Accepted  bool
	Reason    string
	Metric    string
	Corrected *float64
	// Withdraw names raters whose current rating of the appeal's Item and
	// subject an accepted rating appeal withdraws (ratings found invalid,
	// e.g. by the gaming checks): new rating versions attributed to the
	// appeal, also in a locked period.
	Withdraw  []string
	Item      string
	AccountID int64
	Actor     string
}

// ErrNoRating: a rating to withdraw is not a current rating.
var ErrNoRating = errors.New("no such current rating")

// DecideAppeal records a decision, and the correction it carries, in one
// transaction with its audit record. ErrDecided when the appeal has its
// decision already, ErrNotFound when there is no such appeal.
func (db *DB) DecideAppeal(ctx context.Context, d Decision) error {
	op := fmt.Sprintf("deciding appeal %d", d.Appeal)
	if d.Accepted && len(d.Withdraw) > 0 {
		return db.decideWithdrawing(ctx, d)
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	if err := db.decideTx(ctx, tx, d, 0); err != nil {
		return err
	}
	return db.mapError(ctx, op, tx.Commit())
}

// decideWithdrawing stores the withdrawals of an accepted rating appeal as
// a ratings submission (file appeal/<id>) and, in its transaction, the
// decision that names it.
func (db *DB) decideWithdrawing(ctx context.Context, d Decision) error {
	op := fmt.Sprintf("deciding appeal %d", d.Appeal)
	var ap struct {
		Period  string `db:"period"`
		Subject string `db:"subject"`
	}
	if err := db.x.GetContext(ctx, &ap, `SELECT period, subject FROM appeals WHERE id = $1`, d.Appeal); err != nil {
		return db.mapError(ctx, op, err)
	}
	var cur []struct {
		Rater string          `db:"rater"`
		Role  string          `db:"role"`
		Score sql.NullFloat64 `db:"score"`
	}
	if err := db.x.SelectContext(ctx, &cur, sqlRatersOf, ap.Period, d.Item, ap.Subject, pq.StringArray(d.Withdraw)); err != nil {
		return db.mapError(ctx, op, err)
	}
	role := map[string]string{}
	for _, c := range cur {
		if c.Score.Valid {
			role[c.Rater] = c.Role
		}
	}
	var rs []assess.Rating
	for _, r := range d.Withdraw {
		if _, ok := role[r]; !ok {
			return fmt.Errorf("rater %q has no current rating of %s for %s: %w", r, d.Item, ap.Subject, ErrNoRating)
		}
		rs = append(rs, assess.Rating{Item: d.Item, Subject: ap.Subject, Rater: r, Role: role[r], Score: math.NaN()})
	}
	file := fmt.Sprintf("appeal/%d", d.Appeal)
	body := fmt.Sprintf("withdraw %s %s %s %v", ap.Period, d.Item, ap.Subject, d.Withdraw)
	_, err := db.SubmitRatings(ctx, RatingSubmission{AccountID: d.AccountID, Actor: d.Actor, Period: ap.Period, File: file,
		SHA256: digestBytes([]byte(body)), Bytes: int64(len(body)), Ratings: rs, AllowLocked: true,
		InTx: func(ctx context.Context, tx *sqlx.Tx, rep *SubmitReport) error {
			return db.decideTx(ctx, tx, d, rep.Version)
		}}, false)
	return err
}

// decideTx records decision d in tx; ratingSub is the ratings submission
// holding its withdrawals (0: none).
func (db *DB) decideTx(ctx context.Context, tx *sqlx.Tx, d Decision, ratingSub int64) error {
	op := fmt.Sprintf("deciding appeal %d", d.Appeal)
	var cur struct {
		Period  string `db:"period"`
		Subject string `db:"subject"`
	}
	if err := tx.GetContext(ctx, &cur, sqlLockAppeal, d.Appeal); err != nil {
		return db.mapError(ctx, op, err)
	}
	// A statement of its own, after the lock: at READ COMMITTED it sees a
	// decision committed while this one waited for the lock (the locking
	// statement's join would not).
	var decided bool
	if err := tx.GetContext(ctx, &decided, sqlDecided, d.Appeal); err != nil {
		return db.mapError(ctx, op, err)
	}
	if decided {
		return fmt.Errorf("appeal %d: %w", d.Appeal, ErrDecided)
	}
	detail := map[string]any{"accepted": d.Accepted, "reason": d.Reason}
	var sub sql.NullInt64
	var corrected sql.NullFloat64
	if d.Accepted && d.Corrected != nil {
		corrected = sql.NullFloat64{Float64: *d.Corrected, Valid: true}
		// One writer of the period's cells at a time, as Submit.
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(submitLock&0x7fffffff), cur.Period); err != nil {
			return db.mapError(ctx, op, err)
		}
		var prev struct {
			ID    int64           `db:"id"`
			Value sql.NullFloat64 `db:"value"`
		}
		replaces := sql.NullInt64{}
		added, changed := 1, 0
		if err := tx.GetContext(ctx, &prev, sqlCurrentCell, cur.Period, cur.Subject, d.Metric); err == nil {
			replaces = sql.NullInt64{Int64: prev.ID, Valid: true}
			added, changed = 0, 1
			detail["old"] = nullPtr(prev.Value)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return db.mapError(ctx, op, err)
		}
		file := fmt.Sprintf("appeal/%d", d.Appeal)
		body := fmt.Sprintf("%s,%s,%s,%s", cur.Subject, cur.Period, d.Metric, diag.FormatNum(*d.Corrected, "NA"))
		var sid int64
		if err := tx.GetContext(ctx, &sid, sqlAddSubmission, d.AccountID, cur.Period, file, digestBytes([]byte(body)), len(body),
			added, changed, 0); err != nil {
			return db.mapError(ctx, op, err)
		}
		var vid int64
		if err := tx.GetContext(ctx, &vid, sqlAddVersion, cur.Period, cur.Subject, d.Metric, *d.Corrected, sid, replaces); err != nil {
			return db.mapError(ctx, op, err)
		}
		sub = sql.NullInt64{Int64: sid, Valid: true}
		detail["metric"], detail["corrected_value"], detail["submission"], detail["version"] = d.Metric, *d.Corrected, sid, vid
		if replaces.Valid {
			detail["replaces"] = replaces.Int64
		}
	}
	rsub := sql.NullInt64{Int64: ratingSub, Valid: ratingSub != 0}
	if rsub.Valid {
		detail["item"], detail["withdrawn"], detail["rating_submission"] = d.Item, len(d.Withdraw), ratingSub
	}
	if _, err := tx.ExecContext(ctx, sqlDecide, d.Appeal, d.Accepted, d.Reason, d.Metric, corrected, sub, rsub, d.Actor); err != nil {
		return db.mapError(ctx, op, err)
	}
	action := "appeal.reject"
	if d.Accepted {
		action = "appeal.accept"
	}
	return db.mapError(ctx, op, audit(ctx, tx, AuditEntry{Actor: d.Actor, Action: action, Object: fmt.Sprintf("appeal/%d", d.Appeal),
		After: digestOf(detail), Detail: detail}))
}

// RecomputeAppeal records a batch run of the appeal's period started to
// recompute after it, queued, as actor; it returns the run id (the
// caller starts it).
func (db *DB) RecomputeAppeal(ctx context.Context, appeal int64, actor string) (int64, error) {
	op := fmt.Sprintf("recomputing after appeal %d", appeal)
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	var period string
	if err := tx.GetContext(ctx, &period, `SELECT period FROM appeals WHERE id = $1`, appeal); err != nil {
		return 0, db.mapError(ctx, op, err)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, sqlAddRun, period, actor); err != nil {
		return 0, db.mapError(ctx, op, err)
	}
	if _, err := tx.ExecContext(ctx, sqlAppealRun, appeal, id); err != nil {
		return 0, db.mapError(ctx, op, err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "batch.run", Object: fmt.Sprintf("run/%d", id),
		Detail: map[string]any{"period": period, "appeal": appeal}}); err != nil {
		return 0, db.mapError(ctx, op, err)
	}
	return id, db.mapError(ctx, op, tx.Commit())
}

// AppealsOfVersions maps the metric versions among versions that hold an
// appeal's correction to that appeal.
func (db *DB) AppealsOfVersions(ctx context.Context, versions []int64) (map[int64]int64, error) {
	var rows []struct {
		Version int64 `db:"version"`
		Appeal  int64 `db:"appeal_id"`
	}
	if err := db.x.SelectContext(ctx, &rows, sqlAppealsOfInputs, pq.Int64Array(versions)); err != nil {
		return nil, db.mapError(ctx, "finding appeals", err)
	}
	out := make(map[int64]int64, len(rows))
	for _, r := range rows {
		out[r.Version] = r.Appeal
	}
	return out, nil
}

// AppealsOfRatingChanges returns, for each rating change of cs (same
// order), the appeal whose withdrawal or correction made it (a version of
// its key newer than the change's old one, stored by an appeal's
// decision), or 0: one query for the whole diff.
func (db *DB) AppealsOfRatingChanges(ctx context.Context, cs []RatingChange) ([]int64, error) {
	out := make([]int64, len(cs))
	if len(cs) == 0 {
		return out, nil
	}
	per, item, subj, rater, old := make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs)), make([]string, len(cs)), make([]int64, len(cs))
	for i, c := range cs {
		per[i], item[i], subj[i], rater[i], old[i] = c.Period, c.Item, c.Subject, c.Rater, c.OldVersion
	}
	var rows []struct {
		I      int           `db:"i"`
		Appeal sql.NullInt64 `db:"appeal_id"`
	}
	if err := db.x.SelectContext(ctx, &rows, sqlAppealsOfRatings, pq.StringArray(per), pq.StringArray(item), pq.StringArray(subj),
		pq.StringArray(rater), pq.Int64Array(old)); err != nil {
		return nil, db.mapError(ctx, "finding appeals", err)
	}
	for _, r := range rows {
		out[r.I-1] = r.Appeal.Int64
	}
	return out, nil
}
