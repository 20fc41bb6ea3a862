package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lib/pq"
)

// SubjectResult is one subject's stored result in a batch: its ranking
// line, the values of the composite nodes and, when read with its cells,
// the per-leaf raw value, normalised value, status and weight (indexed like
// the batch's leaves; status "" where the leaf does not apply).
type SubjectResult struct {
	Subject, Name, Kind, PeerGroup string
	Rated                          bool
	Rank                           int     // 0 when unrated
	Score, Coverage                float64 // NaN when absent
	Grade                          string
	Vetoed                         bool
	Nodes                          map[string]*float64 // composite id → value (nil: missing)
	Raw, Value, Weight             []float64           // NaN: missing
	Status                         []string
	// Explain is the root value, adjustments and grade reasoning (nil
	// for a batch stored before schema version 4).
	Explain *SubjectExplain
}

// subjectRow is a batch_subjects row.
type subjectRow struct {
	Subject   string          `db:"subject"`
	Name      string          `db:"name"`
	Kind      string          `db:"kind"`
	PeerGroup string          `db:"peer_group"`
	Rated     bool            `db:"rated"`
	Rank      sql.NullInt64   `db:"rank"`
	Score     sql.NullFloat64 `db:"score"`
	Grade     sql.NullString  `db:"grade"`
	Coverage  sql.NullFloat64 `db:"coverage"`
	Vetoed    sql.NullBool    `db:"vetoed"`
	Nodes     []byte          `db:"nodes"`
	Raw       nullFloats      `db:"raw"`
	Value     nullFloats      `db:"value"`
	Weight    nullFloats      `db:"weight"`
	Status    nullStrings     `db:"status"`
	Explain   []byte          `db:"explain"`
}

// toSubjectResult converts a batch_subjects row.
func toSubjectResult(r subjectRow) (SubjectResult, error) {
	s := SubjectResult{Subject: r.Subject, Name: r.Name, Kind: r.Kind, PeerGroup: r.PeerGroup, Rated: r.Rated,
		Rank: int(r.Rank.Int64), Score: nullNaN(r.Score), Grade: r.Grade.String, Coverage: nullNaN(r.Coverage),
		Vetoed: r.Vetoed.Bool, Raw: r.Raw.floats(), Value: r.Value.floats(), Weight: r.Weight.floats()}
	if err := json.Unmarshal(r.Nodes, &s.Nodes); err != nil {
		return s, fmt.Errorf("subject %q: nodes: %w", r.Subject, err)
	}
	for _, st := range r.Status {
		s.Status = append(s.Status, st.String)
	}
	e, err := parseExplain(r.Explain)
	if err != nil {
		return s, fmt.Errorf("subject %q: explain: %w", r.Subject, err)
	}
	s.Explain = e
	return s, nil
}

// nullFloats scans a float8[] whose elements may be NULL.
type nullFloats []sql.NullFloat64

// Scan implements sql.Scanner.
func (n *nullFloats) Scan(src any) error {
	return pq.GenericArray{A: (*[]sql.NullFloat64)(n)}.Scan(src)
}

// floats returns the values with NaN for NULL.
func (n nullFloats) floats() []float64 {
	out := make([]float64, len(n))
	for i, v := range n {
		out[i] = nullNaN(v)
	}
	return out
}

// nullStrings scans a text[] whose elements may be NULL.
type nullStrings []sql.NullString

// Scan implements sql.Scanner.
func (n *nullStrings) Scan(src any) error {
	return pq.GenericArray{A: (*[]sql.NullString)(n)}.Scan(src)
}

// BatchLayout is the column layout of a stored batch: its composite and
// leaf node ids in tree order.
type BatchLayout struct {
	Composites pq.StringArray `db:"composites"`
	Leaves     pq.StringArray `db:"leaves"`
}

const (
	subjectColumns     = `subject, name, kind, peer_group, rated, rank, score, grade, coverage, vetoed, nodes`
	sqlBatchSubject    = `SELECT ` + subjectColumns + `, raw, value, weight, status, explain FROM batch_subjects WHERE batch_id = $1 AND subject = $2`
	sqlBatchLayout     = `SELECT composites, leaves FROM batches WHERE id = $1`
	sqlPublishedOf     = sqlBatchColumns + ` WHERE b.status = 'published' AND b.period = $1 ORDER BY b.published_at DESC, b.id DESC`
	sqlPublishedPeriod = `SELECT DISTINCT period FROM batches WHERE status = 'published' ORDER BY period DESC`
	sqlPublishedAll    = sqlBatchColumns + ` WHERE b.status = 'published' ORDER BY b.period DESC, b.published_at DESC, b.id DESC`
)

// PublishedPeriods lists the periods with a published batch, newest first.
func (db *DB) PublishedPeriods(ctx context.Context) ([]string, error) {
	var out []string
	if err := db.x.SelectContext(ctx, &out, sqlPublishedPeriod); err != nil {
		return nil, db.mapError(ctx, "listing published periods", err)
	}
	return out, nil
}

// PublishedBatches lists the published batches of period, newest
// publication first: the first stands, each later one was superseded by
// the one before it.
func (db *DB) PublishedBatches(ctx context.Context, period string) ([]BatchInfo, error) {
	var rows []batchRow
	if err := db.x.SelectContext(ctx, &rows, sqlPublishedOf, period); err != nil {
		return nil, db.mapError(ctx, "listing published batches", err)
	}
	out := make([]BatchInfo, len(rows))
	for i := range rows {
		out[i] = rows[i].info()
	}
	return out, nil
}

// AllPublishedBatches lists the published batches of every period in one
// query: the periods newest first (as PublishedPeriods) and, within a
// period, newest publication first (as PublishedBatches).
func (db *DB) AllPublishedBatches(ctx context.Context) ([]BatchInfo, error) {
	var rows []batchRow
	if err := db.x.SelectContext(ctx, &rows, sqlPublishedAll); err != nil {
		return nil, db.mapError(ctx, "listing published batches", err)
	}
	out := make([]BatchInfo, len(rows))
	for i := range rows {
		out[i] = rows[i].info()
	}
	return out, nil
}

// Layout returns the composite and leaf ids of batch id.
func (db *DB) Layout(ctx context.Context, id int64) (*BatchLayout, error) {
	var l BatchLayout
	if err := db.x.GetContext(ctx, &l, sqlBatchLayout, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	return &l, nil
}

// SubjectResultOf returns one subject's result in batch id with its cells,
// or ErrNotFound.
func (db *DB) SubjectResultOf(ctx context.Context, id int64, subject string) (*SubjectResult, error) {
	var r subjectRow
	if err := db.x.GetContext(ctx, &r, sqlBatchSubject, id, subject); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("batch %d subject %q", id, subject), err)
	}
	s, err := toSubjectResult(r)
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// RankingRow is one subject's line of a published ranking: its result and
// the values of the nodes asked for (NaN: missing).
type RankingRow struct {
	Subject, Name, PeerGroup, Grade string
	Rated, Vetoed                   bool
	Rank                            int
	Score                           float64
	Nodes                           []float64
	// NodeRanks are the ranks on the ranked nodes asked for (0: none).
	NodeRanks []int
}

// rankingSQL is the query of RankingRows for n node columns and m node
// rank columns: each a column of its own ($2…$n+1 the node ids, then the
// ranked node ids), read from the row's nodes and explain with one jsonb
// lookup.
func rankingSQL(n, m int) string {
	var b strings.Builder
	b.WriteString(`SELECT subject, name, peer_group, rated, coalesce(rank, 0), coalesce(score, 'NaN'), coalesce(grade, ''), coalesce(vetoed, false)`)
	for i := range n {
		fmt.Fprintf(&b, ", coalesce((nodes->>$%d)::float8, 'NaN')", i+2)
	}
	for i := range m {
		fmt.Fprintf(&b, ", coalesce((explain->'node_ranks'->>$%d)::int, 0)", n+i+2)
	}
	b.WriteString(` FROM batch_subjects WHERE batch_id = $1 ORDER BY ord`)
	return b.String()
}

// Ranking returns the ranking lines of batch id in output order (peer
// group, rank, subject id) with the values of the composite nodes named.
func (db *DB) Ranking(ctx context.Context, id int64, nodes []string) ([]RankingRow, error) {
	var out []RankingRow
	err := db.RankingRows(ctx, id, nodes, nil, func(r *RankingRow) error {
		c := *r
		c.Nodes = append([]float64(nil), r.Nodes...)
		c.NodeRanks = nil
		out = append(out, c)
		return nil
	})
	return out, err
}

// RankingRows calls fn with each ranking line of batch id in output order
// (peer group, rank, subject id), with the values of the composite nodes
// named (NaN: missing) and the subject's ranks on the ranked nodes named
// (`rank: true`; 0: none, or a batch stored before schema version 4).
// The row is reused from one call to the next: fn must not keep it. An
// error of fn stops the reading and is returned. It is one query over the
// batch's rows, each value a column of its own: the public ranking of
// 10,000 subjects is read on every request.
func (db *DB) RankingRows(ctx context.Context, id int64, nodes, ranked []string, fn func(r *RankingRow) error) error {
	args := make([]any, 1, len(nodes)+len(ranked)+1)
	args[0] = id
	for _, n := range nodes {
		args = append(args, n)
	}
	for _, n := range ranked {
		args = append(args, n)
	}
	rows, err := db.x.QueryContext(ctx, rankingSQL(len(nodes), len(ranked)), args...)
	if err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	defer rows.Close()
	var r RankingRow
	var rank int64
	r.Nodes = make([]float64, len(nodes))
	r.NodeRanks = make([]int, len(ranked))
	dest := []any{&r.Subject, &r.Name, &r.PeerGroup, &r.Rated, &rank, &r.Score, &r.Grade, &r.Vetoed}
	for i := range r.Nodes {
		dest = append(dest, &r.Nodes[i])
	}
	for i := range r.NodeRanks {
		dest = append(dest, &r.NodeRanks[i])
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
		}
		r.Rank = int(rank)
		if err := fn(&r); err != nil {
			return err
		}
	}
	return db.mapError(ctx, fmt.Sprintf("batch %d", id), rows.Err())
}
