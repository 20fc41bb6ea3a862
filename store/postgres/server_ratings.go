package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/assess"
	"github.com/govscore/govscore/dataset"
)

// RatingSubmission is one submission of assessment ratings (SPEC §5, §9)
// for a period: a file or API request of an assessor, a questionnaire of a
// rater token, an admin's correction.
type RatingSubmission struct {
	// AccountID is the submitting account; 0 when the submitter is not an
	// account (a rater token holder).
	AccountID int64
	// Actor names the submitter in the record and the audit log: the
	// account name, or e.g. "token/3f2a…" for a rater token.
	Actor  string
	Period string
	File   string // the file or request the ratings came from
	SHA256 string // of its bytes
	Bytes  int64
	// Ratings are keyed by (Item, Subject, Rater); a key may appear once.
	// A Score of NaN withdraws the key's current rating.
	Ratings []assess.Rating
	// AllowLocked lets the submission change a locked period (an admin's
	// correction after an appeal); otherwise a locked period is ErrLocked.
	AllowLocked bool
	// OwnOnly refuses (ErrNotOwner) to change a rating whose current
	// version another submitter made: an assessor changes its own ratings
	// only. Without it (the admin), any rating may change.
	OwnOnly bool
	// InTx, when not nil, runs in the submission's transaction after the
	// new versions are stored, on every submission that is not a dry run
	// (also when nothing changed); its error rolls the whole submission
	// back. It lets a caller store something with the ratings atomically
	// (a rater token consumed with its questionnaire).
	InTx func(ctx context.Context, tx *sqlx.Tx, rep *SubmitReport) error
}

// RatingVersion is one stored version of a rating: who submitted it,
// when, from what, and which version it replaced (0: none). Score is
// invalid (NULL) for a withdrawal.
type RatingVersion struct {
	ID         int64           `db:"id" json:"id"`
	Period     string          `db:"period" json:"period"`
	Item       string          `db:"item" json:"item"`
	Subject    string          `db:"subject" json:"subject"`
	Rater      string          `db:"rater" json:"rater"`
	Role       string          `db:"role" json:"role"`
	Score      sql.NullFloat64 `db:"score" json:"-"`
	Seq        int             `db:"seq" json:"-"`
	Submission int64           `db:"submission_id" json:"submission"`
	Replaces   sql.NullInt64   `db:"replaces" json:"-"`
	By         string          `db:"by" json:"by"`
	File       string          `db:"file" json:"file"`
	At         time.Time       `db:"created_at" json:"at"`
}

// Rating returns the version as an assess.Rating (Score NaN for a
// withdrawal).
func (v RatingVersion) Rating() assess.Rating {
	s := math.NaN()
	if v.Score.Valid {
		s = v.Score.Float64
	}
	return assess.Rating{Item: v.Item, Subject: v.Subject, Rater: v.Rater, Role: v.Role, Score: s}
}

// ErrDuplicateKey: a submission gives one key (a rating's item, subject
// and rater) twice.
var ErrDuplicateKey = errors.New("the same key is given twice")

// ErrNotOwner: a submission with OwnOnly would change a rating that
// another submitter made.
var ErrNotOwner = errors.New("the rating was given by another submitter")

const (
	ratingColumns = `v.id, v.period, v.item, v.subject, v.rater, v.role, v.score, v.seq, v.submission_id, v.replaces,
	s.actor AS by, s.file, v.created_at
FROM rating_versions v JOIN rating_submissions s ON s.id = v.submission_id`
	sqlCurrentRatingsOf = `SELECT DISTINCT ON (v.item, v.subject, v.rater) v.id, v.item, v.subject, v.rater, v.role, v.score,
	s.account_id IS NOT DISTINCT FROM $5 AND s.actor = $6 AS own
FROM rating_versions v JOIN rating_submissions s ON s.id = v.submission_id
JOIN unnest($2::text[], $3::text[], $4::text[]) AS k(item, subject, rater)
  ON v.item = k.item AND v.subject = k.subject AND v.rater = k.rater
WHERE v.period = $1 ORDER BY v.item, v.subject, v.rater, v.id DESC`
	sqlAddRatingSubmission = `INSERT INTO rating_submissions (account_id, actor, period, file, sha256, bytes, added, changed, unchanged)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
	sqlAddRatingVersions = `INSERT INTO rating_versions (period, item, subject, rater, role, score, seq, submission_id, replaces)
SELECT $1, k.item, k.subject, k.rater, k.role, k.score, k.seq, $2, k.replaces
FROM unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::int[], $9::bigint[])
  AS k(item, subject, rater, role, score, seq, replaces)`
	// sqlCurrentRatings: the latest version of every key of a period that
	// is not a withdrawal, in submission order (the order a file gives
	// its rows, which assess.Combine reads them in).
	sqlCurrentRatings = `SELECT * FROM (SELECT DISTINCT ON (v.item, v.subject, v.rater) ` + ratingColumns + `
WHERE v.period = $1 ORDER BY v.item, v.subject, v.rater, v.id DESC) c
WHERE c.score IS NOT NULL ORDER BY c.submission_id, c.seq`
	sqlRatingHistory = `SELECT ` + ratingColumns + `
WHERE v.period = $1 AND v.item = $2 AND v.subject = $3 AND ($4 = '' OR v.rater = $4)
ORDER BY v.rater, v.id DESC`
)

// SubmitRatings stores the ratings of a submission as new versions, in one
// transaction: a rating whose current version has the same role and score
// is left alone (Unchanged), any other gets a new version naming the one it
// replaces (Changed; Added when the key had none). A withdrawal (Score NaN)
// of a key without a current rating is Unchanged. The period must be open
// unless s.AllowLocked (ErrLocked otherwise, ErrNotFound when unknown). The
// submission and its audit record commit together; with dryRun nothing is
// stored and the report says what would happen. Version is the
// submission's id (0 for a dry run or when nothing changed).
func (db *DB) SubmitRatings(ctx context.Context, s RatingSubmission, dryRun bool) (*SubmitReport, error) {
	const op = "storing the ratings"
	keys := make(map[[3]string]bool, len(s.Ratings))
	items := make([]string, len(s.Ratings))
	subjects := make([]string, len(s.Ratings))
	raters := make([]string, len(s.Ratings))
	for i, r := range s.Ratings {
		k := [3]string{r.Item, r.Subject, r.Rater}
		if keys[k] {
			return nil, fmt.Errorf("%s: item %q, subject %q, rater %q: %w", op, r.Item, r.Subject, r.Rater, ErrDuplicateKey)
		}
		keys[k] = true
		items[i], subjects[i], raters[i] = r.Item, r.Subject, r.Rater
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	if err := lockOpenPeriod(ctx, tx, s.Period, s.AllowLocked); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	type cur struct {
		ID      int64           `db:"id"`
		Item    string          `db:"item"`
		Subject string          `db:"subject"`
		Rater   string          `db:"rater"`
		Role    string          `db:"role"`
		Score   sql.NullFloat64 `db:"score"`
		Own     bool            `db:"own"`
	}
	var current []cur
	acct := sql.NullInt64{Int64: s.AccountID, Valid: s.AccountID != 0}
	if err := tx.SelectContext(ctx, &current, sqlCurrentRatingsOf, s.Period, pq.StringArray(items),
		pq.StringArray(subjects), pq.StringArray(raters), acct, s.Actor); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	have := make(map[[3]string]cur, len(current))
	for _, c := range current {
		have[[3]string{c.Item, c.Subject, c.Rater}] = c
	}
	rep := &SubmitReport{}
	var nItem, nSubj, nRater, nRole []string
	var nScore []sql.NullFloat64
	var nSeq []int64
	var nRep []sql.NullInt64
	for _, r := range s.Ratings {
		old, ok := have[[3]string{r.Item, r.Subject, r.Rater}]
		score := sql.NullFloat64{Float64: r.Score, Valid: !math.IsNaN(r.Score)}
		switch {
		case !score.Valid && (!ok || !old.Score.Valid):
			rep.Unchanged++ // withdrawing what is not there
			continue
		case !ok || !old.Score.Valid:
			rep.Added++
		case old.Role == r.Role && sameValue(old.Score, score):
			rep.Unchanged++
			continue
		default:
			rep.Changed++
		}
		if ok && s.OwnOnly && !old.Own {
			return nil, fmt.Errorf("%s: item %q, subject %q, rater %q: %w", op, r.Item, r.Subject, r.Rater, ErrNotOwner)
		}
		nItem = append(nItem, r.Item)
		nSubj = append(nSubj, r.Subject)
		nRater = append(nRater, r.Rater)
		nRole = append(nRole, r.Role)
		nScore = append(nScore, score)
		nSeq = append(nSeq, int64(len(nSeq)))
		nRep = append(nRep, sql.NullInt64{Int64: old.ID, Valid: ok})
	}
	if dryRun {
		return rep, nil
	}
	if len(nItem) > 0 {
		if err := tx.GetContext(ctx, &rep.Version, sqlAddRatingSubmission, acct, s.Actor, s.Period, s.File, s.SHA256, s.Bytes,
			rep.Added, rep.Changed, rep.Unchanged); err != nil {
			return nil, db.mapError(ctx, op, err)
		}
		if _, err := tx.ExecContext(ctx, sqlAddRatingVersions, s.Period, rep.Version, pq.StringArray(nItem), pq.StringArray(nSubj),
			pq.StringArray(nRater), pq.StringArray(nRole), pq.GenericArray{A: nScore}, pq.Int64Array(nSeq),
			pq.GenericArray{A: nRep}); err != nil {
			return nil, db.mapError(ctx, op, err)
		}
		if err := audit(ctx, tx, AuditEntry{Actor: s.Actor, Action: "ratings.submit", Object: "period/" + s.Period + "/ratings",
			After: s.SHA256, Detail: map[string]any{"file": s.File, "version": rep.Version, "added": rep.Added,
				"changed": rep.Changed, "unchanged": rep.Unchanged}}); err != nil {
			return nil, db.mapError(ctx, op, err)
		}
	}
	if s.InTx != nil {
		if err := s.InTx(ctx, tx, rep); err != nil {
			return nil, err
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.commitError(ctx, op, err, "submitting the same ratings again stores nothing twice")
	}
	return rep, nil
}

// lockOpenPeriod takes the period's submission lock (one writer per period)
// and checks that the period exists and, unless allowLocked, is open.
func lockOpenPeriod(ctx context.Context, tx *sqlx.Tx, period string, allowLocked bool) error {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1, hashtext($2))`, int32(submitLock&0x7fffffff), period); err != nil {
		return err
	}
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM periods WHERE period = $1 FOR SHARE`, period); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("period %s: %w", period, ErrNotFound)
		}
		return err
	}
	if status != "open" && !allowLocked {
		return fmt.Errorf("period %s is %s: %w", period, status, ErrLocked)
	}
	return nil
}

// CurrentRatings returns the current rating of every key of period (its
// latest version, unless that is a withdrawal), in submission order.
func (db *DB) CurrentRatings(ctx context.Context, period string) ([]RatingVersion, error) {
	var out []RatingVersion
	if err := db.x.SelectContext(ctx, &out, sqlCurrentRatings, period); err != nil {
		return nil, db.mapError(ctx, "reading current ratings", err)
	}
	return out, nil
}

// RatingHistory returns every version of the ratings of item for subject
// in period, by rater and newest first; rater "" means every rater.
func (db *DB) RatingHistory(ctx context.Context, period, item, subject, rater string) ([]RatingVersion, error) {
	var out []RatingVersion
	if err := db.x.SelectContext(ctx, &out, sqlRatingHistory, period, item, subject, rater); err != nil {
		return nil, db.mapError(ctx, "reading the rating history", err)
	}
	return out, nil
}

// RunSnapshot is what a server run reads, all in one database snapshot:
// the subject register, the current metric versions of its period and the
// one before, the current ratings of its period, and the ids of the
// versions read (recorded by RecordRunInputs).
type RunSnapshot struct {
	Period dataset.Period
	// Periods are the periods holding metric versions, oldest first.
	Periods []dataset.Period
	// Data holds the subjects and the metric columns of Period and
	// Period.Prev(); a metric the server knows from other periods has an
	// all-missing column in Period.
	Data *dataset.Dataset
	// Ratings are the current ratings of Period, in submission order.
	Ratings []assess.Rating
	// MetricVersions and RatingVersions are the ids of the versions read,
	// ascending.
	MetricVersions, RatingVersions []int64
	// InputsSHA256 is the digest of the versions read (see inputsDigest).
	InputsSHA256 string
}

const (
	sqlSnapshotMetrics = `SELECT DISTINCT ON (period, subject, metric) id, period, subject, metric, value FROM metric_versions
WHERE period = ANY($1::text[]) ORDER BY period, subject, metric, id DESC`
	sqlRecordMetricInputs = `INSERT INTO run_inputs (run_id, version_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`
	sqlRecordRatingInputs = `INSERT INTO run_rating_inputs (run_id, version_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`
	sqlRecordInputsDigest = `UPDATE runs SET inputs_sha256 = $2 WHERE id = $1 AND inputs_sha256 = ''`
)

// ReadRunSnapshot reads everything a run of period p scores from in one
// READ ONLY transaction at REPEATABLE READ, so that a submission committed
// meanwhile is either wholly in it or not at all (metric values and
// ratings alike).
func (db *DB) ReadRunSnapshot(ctx context.Context, p dataset.Period) (*RunSnapshot, error) {
	const op = "reading the run's inputs"
	tx, err := db.x.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	snap := &RunSnapshot{Period: p}
	var texts []string
	if err := tx.SelectContext(ctx, &texts, sqlVersionPeriods); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	for _, t := range texts {
		pp, err := dataset.ParsePeriod(t)
		if err != nil {
			return nil, fmt.Errorf("stored period %q: %w", t, err)
		}
		snap.Periods = append(snap.Periods, pp)
	}
	slices.SortFunc(snap.Periods, comparePeriods)
	ds, err := readSubjects(ctx, tx)
	if err != nil {
		return nil, db.mapError(ctx, "reading subjects", err)
	}
	h := sha256.New()
	rows, err := tx.QueryxContext(ctx, sqlSnapshotMetrics, pq.StringArray{p.String(), p.Prev().String()})
	if err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	var line []byte
	for rows.Next() {
		var id int64
		var per, subj, met string
		var v sql.NullFloat64
		if err := rows.Scan(&id, &per, &subj, &met, &v); err != nil {
			rows.Close()
			return nil, db.mapError(ctx, op, err)
		}
		snap.MetricVersions = append(snap.MetricVersions, id)
		line = appendInput(line[:0], "m", id, per, subj, met, "", v)
		h.Write(line)
		i, ok := ds.SubjectIndex(subj)
		if !ok {
			continue // a subject since removed from the register
		}
		pp, err := dataset.ParsePeriod(per)
		if err != nil {
			rows.Close()
			return nil, fmt.Errorf("stored period %q: %w", per, err)
		}
		col := ds.MutableColumn(met, pp)
		if v.Valid {
			col[i] = v.Float64
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	var names []string
	if err := tx.SelectContext(ctx, &names, sqlKnownMetrics); err != nil {
		return nil, db.mapError(ctx, "reading metric names", err)
	}
	slices.Sort(names)
	for _, m := range names {
		if ds.Column(m, p) == nil {
			ds.MutableColumn(m, p)
		}
	}
	var rs []RatingVersion
	if err := tx.SelectContext(ctx, &rs, sqlCurrentRatings, p.String()); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	keyed := slices.Clone(rs)
	slices.SortFunc(keyed, func(a, b RatingVersion) int {
		return strings.Compare(a.Item+"\x00"+a.Subject+"\x00"+a.Rater, b.Item+"\x00"+b.Subject+"\x00"+b.Rater)
	})
	for _, v := range keyed {
		line = appendInput(line[:0], "r", v.ID, v.Period, v.Item+"\t"+v.Subject, v.Rater, v.Role, v.Score)
		h.Write(line)
	}
	snap.Ratings = make([]assess.Rating, len(rs))
	for i, v := range rs {
		snap.Ratings[i] = v.Rating()
		snap.RatingVersions = append(snap.RatingVersions, v.ID)
	}
	slices.Sort(snap.MetricVersions)
	slices.Sort(snap.RatingVersions)
	snap.Data = ds
	snap.InputsSHA256 = hex.EncodeToString(h.Sum(nil))
	if err := tx.Commit(); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	return snap, nil
}

// appendInput appends one line of the inputs digest: kind ("m" a metric
// version, "r" a rating version), version id, then the key and value
// fields, tab-separated, the value as the shortest round-trip decimal or NA.
//
// The digest (RunSnapshot.InputsSHA256, runs.inputs_sha256) is the SHA-256
// of the metric lines sorted by (period, subject, metric) followed by the
// rating lines sorted by (item, subject, rater):
//
//	m <id> <period> <subject> <metric> <> <value>
//	r <id> <period> <item> <subject> <rater> <role> <score>
func appendInput(b []byte, kind string, id int64, period, k1, k2, k3 string, v sql.NullFloat64) []byte {
	b = append(b, kind...)
	b = append(b, '\t')
	b = strconv.AppendInt(b, id, 10)
	for _, f := range []string{period, k1, k2, k3} {
		b = append(b, '\t')
		b = append(b, f...)
	}
	b = append(b, '\t')
	if v.Valid {
		b = strconv.AppendFloat(b, v.Float64, 'g', -1, 64)
	} else {
		b = append(b, "NA"...)
	}
	return append(b, '\n')
}

// comparePeriods orders periods oldest first.
func comparePeriods(a, b dataset.Period) int {
	switch {
	case a.Before(b):
		return -1
	case b.Before(a):
		return 1
	}
	return 0
}

// RecordRunInputs records the versions of snap as the inputs of run
// runID (run_inputs, run_rating_inputs) and their digest on the run, in
// one transaction. Recording the same snapshot again changes nothing.
func (db *DB) RecordRunInputs(ctx context.Context, runID int64, snap *RunSnapshot) error {
	const op = "recording the run's inputs"
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, sqlRecordMetricInputs, runID, pq.Int64Array(snap.MetricVersions)); err != nil {
		return db.mapError(ctx, op, err)
	}
	if _, err := tx.ExecContext(ctx, sqlRecordRatingInputs, runID, pq.Int64Array(snap.RatingVersions)); err != nil {
		return db.mapError(ctx, op, err)
	}
	if _, err := tx.ExecContext(ctx, sqlRecordInputsDigest, runID, snap.InputsSHA256); err != nil {
		return db.mapError(ctx, op, err)
	}
	return db.mapError(ctx, op, tx.Commit())
}

// RatingChange is a rating that two batches read at different versions:
// the old side is absent (OldVersion 0, Old nil) when only the newer batch
// read it, the new side when only the older one did (withdrawn).
type RatingChange struct {
	Period     string   `db:"period" json:"period"`
	Item       string   `db:"item" json:"item"`
	Subject    string   `db:"subject" json:"subject"`
	Rater      string   `db:"rater" json:"rater"`
	OldVersion int64    `db:"old_version" json:"old_version,omitempty"`
	OldRole    string   `db:"old_role" json:"old_role,omitempty"`
	Old        *float64 `db:"old_score" json:"old"`
	NewVersion int64    `db:"new_version" json:"new_version,omitempty"`
	NewRole    string   `db:"new_role" json:"new_role,omitempty"`
	New        *float64 `db:"new_score" json:"new"`
}

const sqlRatingChanges = `WITH a AS (SELECT v.* FROM runs r JOIN run_rating_inputs i ON i.run_id = r.id JOIN rating_versions v ON v.id = i.version_id WHERE r.batch_id = $1),
b AS (SELECT v.* FROM runs r JOIN run_rating_inputs i ON i.run_id = r.id JOIN rating_versions v ON v.id = i.version_id WHERE r.batch_id = $2)
SELECT coalesce(b.period, a.period) AS period, coalesce(b.item, a.item) AS item, coalesce(b.subject, a.subject) AS subject,
	coalesce(b.rater, a.rater) AS rater,
	coalesce(a.id, 0) AS old_version, coalesce(a.role, '') AS old_role, a.score AS old_score,
	coalesce(b.id, 0) AS new_version, coalesce(b.role, '') AS new_role, b.score AS new_score
FROM a FULL JOIN b ON a.period = b.period AND a.item = b.item AND a.subject = b.subject AND a.rater = b.rater
WHERE a.id IS DISTINCT FROM b.id
ORDER BY 1, 2, 3, 4`

// RatingChanges returns the ratings that batches a and b (each stored by
// a run) read at different versions, with the old and new scores.
func (db *DB) RatingChanges(ctx context.Context, a, b int64) ([]RatingChange, error) {
	var out []RatingChange
	if err := db.x.SelectContext(ctx, &out, sqlRatingChanges, a, b); err != nil {
		return nil, db.mapError(ctx, "comparing ratings", err)
	}
	return out, nil
}
