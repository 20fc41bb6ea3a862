package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/govscore/govscore/assess"
)

// ErrSubmitted: the questionnaire was submitted already (a rater token is
// used once), or the upload draft was confirmed already.
var ErrSubmitted = errors.New("already submitted")

// ErrClosed: the rating round is closed and takes no answer.
var ErrClosed = errors.New("the rating round is closed")

// ErrTooFew: a rating round has fewer submitted questionnaires than its
// role's min_raters, too few to store them anonymously.
var ErrTooFew = errors.New("too few questionnaires to close the round anonymously")

// UploadDraft is a provider's parsed upload awaiting its confirmation: the
// cells of one period, with the file they came from.
type UploadDraft struct {
	ID        int64
	AccountID int64
	Period    string
	File      string
	SHA256    string
	Bytes     int64
	Cells     []Cell
}

// draftCell is a Cell as the draft stores it (JSON has no NaN: a missing
// value is null).
type draftCell struct {
	Subject string   `json:"s"`
	Metric  string   `json:"m"`
	Value   *float64 `json:"v"`
}

// AddDraft stores d (its ID is ignored) and returns its id. Drafts older
// than a day, confirmed or not, are deleted on the way.
func (db *DB) AddDraft(ctx context.Context, d UploadDraft) (int64, error) {
	cells := make([]draftCell, len(d.Cells))
	for i, c := range d.Cells {
		cells[i] = draftCell{Subject: c.Subject, Metric: c.Metric}
		if !math.IsNaN(c.Value) {
			v := c.Value
			cells[i].Value = &v
		}
	}
	js, err := json.Marshal(cells)
	if err != nil {
		return 0, err
	}
	// Drafts are no data of record: those older than a day are dropped.
	if _, err := db.x.ExecContext(ctx, `DELETE FROM upload_drafts WHERE created_at < now() - interval '1 day'`); err != nil {
		return 0, db.mapError(ctx, "storing the upload draft", err)
	}
	var id int64
	err = db.x.GetContext(ctx, &id, `INSERT INTO upload_drafts (account_id, period, file, sha256, bytes, cells)
VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, d.AccountID, d.Period, d.File, d.SHA256, d.Bytes, string(js))
	return id, db.mapError(ctx, "storing the upload draft", err)
}

// TakeDraft marks the draft id of account used and returns it: a draft is
// confirmed once (ErrSubmitted the second time; ErrNotFound when it is not
// the account's).
func (db *DB) TakeDraft(ctx context.Context, id, accountID int64) (*UploadDraft, error) {
	var row struct {
		Period string `db:"period"`
		File   string `db:"file"`
		SHA256 string `db:"sha256"`
		Bytes  int64  `db:"bytes"`
		Cells  []byte `db:"cells"`
		Used   bool   `db:"used"`
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "reading the upload draft", err)
	}
	defer tx.Rollback()
	if err := tx.GetContext(ctx, &row, `SELECT period, file, sha256, bytes, cells, used FROM upload_drafts
WHERE id = $1 AND account_id = $2 FOR UPDATE`, id, accountID); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("upload draft %d", id), err)
	}
	if row.Used {
		return nil, fmt.Errorf("upload draft %d was confirmed already: %w", id, ErrSubmitted)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE upload_drafts SET used = true WHERE id = $1`, id); err != nil {
		return nil, db.mapError(ctx, "reading the upload draft", err)
	}
	var cells []draftCell
	if err := json.Unmarshal(row.Cells, &cells); err != nil {
		return nil, err
	}
	d := &UploadDraft{ID: id, AccountID: accountID, Period: row.Period, File: row.File, SHA256: row.SHA256, Bytes: row.Bytes,
		Cells: make([]Cell, len(cells))}
	for i, c := range cells {
		d.Cells[i] = Cell{Subject: c.Subject, Metric: c.Metric, Value: math.NaN()}
		if c.Value != nil {
			d.Cells[i].Value = *c.Value
		}
	}
	return d, db.mapError(ctx, "reading the upload draft", tx.Commit())
}

// Round is a rating round (SPEC §9): raters rate Subjects on Item with
// Role in Period. Peers lets the subject accounts of Subjects rate the
// others (two-way assessment); AllowSelf lets each rate itself too, with
// role self. Ratings is the number of ratings stored when it was closed.
type Round struct {
	ID        int64          `db:"id" json:"id"`
	Item      string         `db:"item" json:"item"`
	Role      string         `db:"role" json:"role"`
	Period    string         `db:"period" json:"period"`
	Subjects  pq.StringArray `db:"subjects" json:"subjects"`
	Peers     bool           `db:"peers" json:"peers"`
	AllowSelf bool           `db:"allow_self" json:"allow_self"`
	Status    string         `db:"status" json:"status"`
	CreatedBy string         `db:"created_by" json:"created_by"`
	CreatedAt time.Time      `db:"created_at" json:"created_at"`
	ClosedAt  *time.Time     `db:"closed_at" json:"closed_at,omitempty"`
	Ratings   int            `db:"ratings" json:"ratings"`
	// Keys and Submitted count the round's questionnaires and those
	// submitted (filled by Rounds and Round).
	Keys      int `db:"keys" json:"questionnaires"`
	Submitted int `db:"submitted" json:"submitted"`
}

const sqlRounds = `SELECT r.id, r.item, r.role, r.period, r.subjects, r.peers, r.allow_self, r.status, r.created_by,
	r.created_at, r.closed_at, r.ratings,
	(SELECT count(*) FROM rater_keys k WHERE k.round_id = r.id) AS keys,
	(SELECT count(*) FROM rater_keys k WHERE k.round_id = r.id AND k.submitted) AS submitted
FROM rating_rounds r`

// AddRound stores a new open round as actor and returns its id. The
// period must exist (ErrNotFound).
func (db *DB) AddRound(ctx context.Context, r Round, actor string) (int64, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return 0, db.mapError(ctx, "adding the round", err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM periods WHERE period = $1`, r.Period); err != nil {
		return 0, db.mapError(ctx, "adding the round", err)
	}
	if n == 0 {
		return 0, fmt.Errorf("period %s: %w", r.Period, ErrNotFound)
	}
	var id int64
	if err := tx.GetContext(ctx, &id, `INSERT INTO rating_rounds (item, role, period, subjects, peers, allow_self, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`, r.Item, r.Role, r.Period, r.Subjects, r.Peers, r.AllowSelf, actor); err != nil {
		return 0, db.mapError(ctx, "adding the round", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "round.add", Object: fmt.Sprintf("round/%d", id),
		Detail: map[string]any{"item": r.Item, "role": r.Role, "period": r.Period, "subjects": []string(r.Subjects),
			"peers": r.Peers, "self": r.AllowSelf}}); err != nil {
		return 0, db.mapError(ctx, "adding the round", err)
	}
	return id, db.mapError(ctx, "adding the round", tx.Commit())
}

// Rounds lists the rounds, newest first.
func (db *DB) Rounds(ctx context.Context) ([]Round, error) {
	var out []Round
	err := db.x.SelectContext(ctx, &out, sqlRounds+` ORDER BY r.id DESC`)
	return out, db.mapError(ctx, "listing the rounds", err)
}

// RoundByID returns one round, or ErrNotFound.
func (db *DB) RoundByID(ctx context.Context, id int64) (*Round, error) {
	var r Round
	if err := db.x.GetContext(ctx, &r, sqlRounds+` WHERE r.id = $1`, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("round %d", id), err)
	}
	return &r, nil
}

// AddTokens stores the hashes of new rater tokens of an open round, as
// actor (the tokens themselves are never stored; the audit log records
// their number only).
func (db *DB) AddTokens(ctx context.Context, round int64, hashes [][]byte, actor string) error {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, "issuing tokens", err)
	}
	defer tx.Rollback()
	if err := lockOpenRound(ctx, tx, round); err != nil {
		return db.mapError(ctx, "issuing tokens", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO rater_keys (key_hash, round_id, kind) SELECT h, $1, 'token' FROM unnest($2::bytea[]) AS h`,
		round, pq.ByteaArray(hashes)); err != nil {
		return db.mapError(ctx, "issuing tokens", err)
	}
	if err := audit(ctx, tx, AuditEntry{Actor: actor, Action: "round.tokens", Object: fmt.Sprintf("round/%d", round),
		Detail: map[string]any{"count": len(hashes)}}); err != nil {
		return db.mapError(ctx, "issuing tokens", err)
	}
	return db.mapError(ctx, "issuing tokens", tx.Commit())
}

// lockOpenRound locks the round's row and checks it is open (ErrClosed,
// ErrNotFound).
func lockOpenRound(ctx context.Context, tx interface {
	GetContext(context.Context, any, string, ...any) error
}, round int64) error {
	var status string
	if err := tx.GetContext(ctx, &status, `SELECT status FROM rating_rounds WHERE id = $1 FOR SHARE`, round); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("round %d: %w", round, ErrNotFound)
		}
		return err
	}
	if status != "open" {
		return fmt.Errorf("round %d: %w", round, ErrClosed)
	}
	return nil
}

// RaterKey is one questionnaire of a round: a rater token's or a subject
// account's. Pending holds the answers saved but not submitted.
type RaterKey struct {
	Round     int64
	Kind      string // "token" or "account"
	Subject   string // kind account: the rater's own subject
	Pending   map[string]float64
	Submitted bool
}

// RaterKeyByHash returns the questionnaire of a key hash, or ErrNotFound.
func (db *DB) RaterKeyByHash(ctx context.Context, hash []byte) (*RaterKey, error) {
	var row struct {
		Round     int64  `db:"round_id"`
		Kind      string `db:"kind"`
		Subject   string `db:"subject"`
		Pending   []byte `db:"pending"`
		Submitted bool   `db:"submitted"`
	}
	if err := db.x.GetContext(ctx, &row, `SELECT round_id, kind, subject, pending, submitted FROM rater_keys WHERE key_hash = $1`, hash); err != nil {
		return nil, db.mapError(ctx, "reading the questionnaire", err)
	}
	k := &RaterKey{Round: row.Round, Kind: row.Kind, Subject: row.Subject, Submitted: row.Submitted}
	if row.Pending != nil {
		if err := json.Unmarshal(row.Pending, &k.Pending); err != nil {
			return nil, err
		}
	}
	return k, nil
}

// EnsureAccountKey creates, when missing, the questionnaire of a subject
// account in a round, under hash (derived by the caller).
func (db *DB) EnsureAccountKey(ctx context.Context, hash []byte, round int64, subject string) error {
	_, err := db.x.ExecContext(ctx, `INSERT INTO rater_keys (key_hash, round_id, kind, subject) VALUES ($1, $2, 'account', $3)
ON CONFLICT (key_hash) DO NOTHING`, hash, round, subject)
	return db.mapError(ctx, "opening the questionnaire", err)
}

// SaveAnswers stores the pending answers of a questionnaire not yet
// submitted (ErrSubmitted after, ErrClosed once the round is closed).
// Nothing is audited: a saved answer is no data of record.
func (db *DB) SaveAnswers(ctx context.Context, hash []byte, answers map[string]float64) error {
	js, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, "saving the answers", err)
	}
	defer tx.Rollback()
	var round int64
	if err := tx.GetContext(ctx, &round, `SELECT round_id FROM rater_keys WHERE key_hash = $1`, hash); err != nil {
		return db.mapError(ctx, "saving the answers", err)
	}
	if err := lockOpenRound(ctx, tx, round); err != nil {
		return db.mapError(ctx, "saving the answers", err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE rater_keys SET pending = $2 WHERE key_hash = $1 AND NOT submitted`, hash, string(js))
	if err != nil {
		return db.mapError(ctx, "saving the answers", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrSubmitted
	}
	return db.mapError(ctx, "saving the answers", tx.Commit())
}

// SubmitAnswers seals the answers of a questionnaire, once: the key is
// marked submitted (its pending answers cleared) and the answers are
// stored in sealed_answers under random ids, with nothing that names the
// key. A second submission is ErrSubmitted, also when two race (the
// UPDATE … WHERE NOT submitted lets one of them through). For a subject
// account's questionnaire, self is its own subject and selfScore, when not
// nil, its rating of itself: sealed apart from its ratings of its peers,
// so that the self rating (which names its rater by nature) does not name
// the rater of the others. The audit log records that a questionnaire of
// the round was submitted, nothing that names the key or the answers.
func (db *DB) SubmitAnswers(ctx context.Context, hash []byte, answers map[string]float64, self string, selfScore *float64) error {
	const op = "submitting the questionnaire"
	js, err := json.Marshal(answers)
	if err != nil {
		return err
	}
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return db.mapError(ctx, op, err)
	}
	defer tx.Rollback()
	var round int64
	if err := tx.GetContext(ctx, &round, `SELECT round_id FROM rater_keys WHERE key_hash = $1`, hash); err != nil {
		return db.mapError(ctx, op, err)
	}
	if err := lockOpenRound(ctx, tx, round); err != nil {
		return db.mapError(ctx, op, err)
	}
	res, err := tx.ExecContext(ctx, `UPDATE rater_keys SET submitted = true, pending = NULL WHERE key_hash = $1 AND NOT submitted`, hash)
	if err != nil {
		return db.mapError(ctx, op, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrSubmitted
	}
	if len(answers) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO sealed_answers (round_id, answers) VALUES ($1, $2)`, round, string(js)); err != nil {
			return db.mapError(ctx, op, err)
		}
	}
	if selfScore != nil && self != "" {
		sj, _ := json.Marshal(map[string]float64{self: *selfScore})
		if _, err := tx.ExecContext(ctx, `INSERT INTO sealed_answers (round_id, self, answers) VALUES ($1, $2, $3)`, round, self, string(sj)); err != nil {
			return db.mapError(ctx, op, err)
		}
	}
	if err := audit(ctx, tx, AuditEntry{Actor: "rater", Action: "questionnaire.submit", Object: fmt.Sprintf("round/%d", round)}); err != nil {
		return db.mapError(ctx, op, err)
	}
	return db.mapError(ctx, op, tx.Commit())
}

// KeysInRound reports whether every one of hashes is a rater token of
// round, in one query however many there are (a hash may repeat).
func (db *DB) KeysInRound(ctx context.Context, round int64, hashes [][]byte) (bool, error) {
	distinct := make(map[string]bool, len(hashes))
	for _, h := range hashes {
		distinct[string(h)] = true
	}
	if len(distinct) == 0 {
		return true, nil
	}
	var n int
	err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM rater_keys WHERE key_hash = ANY($1) AND round_id = $2 AND kind = 'token'`, pq.ByteaArray(hashes), round)
	return n == len(distinct), db.mapError(ctx, "checking the tokens", err)
}

// Sealed is one sealed questionnaire (or the self rating of one): the
// answers by subject and, for a self rating, the rater's own subject.
type Sealed struct {
	Self    string
	Answers map[string]float64
}

// CloseRound closes round id and stores its sealed answers as ratings
// through SubmitRatings, in one submission by the closing account: the
// answers become ratings in the order ratings (a function of the round
// and the sealed answers, which the caller shuffles and names with
// pseudonyms) returns. In that submission's transaction the sealed
// answers are deleted and the round records its number of ratings: the
// ratings are stored once, or the round stays closing. Closing refuses new
// answers first (a round closed but not yet stored can be closed again);
// a round stored already is ErrClosed; a locked period ErrLocked. A round
// with at least one but fewer than minQuestionnaires questionnaires (not
// counting self ratings) is ErrTooFew and stays open.
func (db *DB) CloseRound(ctx context.Context, id int64, accountID int64, actor string, minQuestionnaires int,
	ratings func(r *Round, sealed []Sealed) ([]assess.Rating, error)) (*SubmitReport, error) {
	const op = "closing the round"
	r, err := db.RoundByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.ClosedAt != nil {
		return nil, fmt.Errorf("round %d: %w", id, ErrClosed)
	}
	var n int
	if err := db.x.GetContext(ctx, &n, `SELECT count(*) FROM sealed_answers WHERE round_id = $1 AND self = ''`, id); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	if n > 0 && n < minQuestionnaires {
		return nil, fmt.Errorf("round %d has %d submitted questionnaire(s), fewer than the %d its role needs (min_raters): "+
			"stored now, each rating would be recognisable as its rater's; wait for more: %w", id, n, minQuestionnaires, ErrTooFew)
	}
	p, err := db.ServerPeriod(ctx, r.Period)
	if err != nil {
		return nil, err
	}
	if p.Status != "open" {
		return nil, fmt.Errorf("period %s is %s: reopen it to close round %d: %w", r.Period, p.Status, id, ErrLocked)
	}
	// No new answer once this commits: SubmitAnswers and SaveAnswers
	// check the status under FOR SHARE, which this UPDATE waits for.
	if _, err := db.x.ExecContext(ctx, `UPDATE rating_rounds SET status = 'closed' WHERE id = $1`, id); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	var rows []struct {
		Self    string `db:"self"`
		Answers []byte `db:"answers"`
	}
	if err := db.x.SelectContext(ctx, &rows, `SELECT self, answers FROM sealed_answers WHERE round_id = $1 ORDER BY id`, id); err != nil {
		return nil, db.mapError(ctx, op, err)
	}
	sealed := make([]Sealed, len(rows))
	for i, row := range rows {
		sealed[i].Self = row.Self
		if err := json.Unmarshal(row.Answers, &sealed[i].Answers); err != nil {
			return nil, err
		}
	}
	rs, err := ratings(r, sealed)
	if err != nil {
		return nil, err
	}
	file := fmt.Sprintf("round/%d", id)
	return db.SubmitRatings(ctx, RatingSubmission{AccountID: accountID, Actor: actor, Period: r.Period, File: file,
		SHA256: digestOf(file), Ratings: rs,
		InTx: func(ctx context.Context, tx *sqlx.Tx, rep *SubmitReport) error {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM sealed_answers WHERE round_id = $1`, id); err != nil {
				return db.mapError(ctx, op, err)
			}
			if n != len(rows) {
				return fmt.Errorf("%s: round %d changed while closing: close it again", op, id)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM sealed_answers WHERE round_id = $1`, id); err != nil {
				return db.mapError(ctx, op, err)
			}
			// Rewrite every key row, so that no row version of a key
			// shares a transaction with its sealed answers any more.
			if _, err := tx.ExecContext(ctx, `UPDATE rater_keys SET pending = NULL WHERE round_id = $1`, id); err != nil {
				return db.mapError(ctx, op, err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE rating_rounds SET closed_at = now(), ratings = $2 WHERE id = $1`, id, len(rs)); err != nil {
				return db.mapError(ctx, op, err)
			}
			return db.mapError(ctx, op, audit(ctx, tx, AuditEntry{Actor: actor, Action: "round.close", Object: file,
				Detail: map[string]any{"questionnaires": len(rows), "ratings": len(rs), "version": rep.Version}}))
		}}, false)
}
