package postgres

import (
	"bytes"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/govscore/govscore/scoring"
)

// Digest scheme 2 (migration 0008, batches.digest_scheme = 2).
//
// Scheme 1 (sqlBatchDigest with sqlDigestSubjects1) has the server hash
// every batch_subjects row in its text form: at a million subjects of 50
// leaves that is 200 million floats printed, about a minute of one server
// core, alone at the end of storing. Scheme 2 hashes the rows in govscore
// as they are sent, in a canonical binary form, and the server only adds
// that hash to the rest of the digest (identity, warnings, outputs), as in
// scheme 1. Verify recomputes the rows' hash from the stored rows, read
// back in the same snapshot, and fails with ErrIntegrity when it differs.
//
// The canonical form of a subject row is the row's fields in the order of
// the batch_subjects COPY (batch_id, ord, subject, name, kind, peer_group,
// rated, rank, score, grade, coverage, vetoed, nodes, raw, value, status,
// weight, explain), each as in COPY's binary format (a 4-byte length, -1
// for NULL, then the type's binary form; an array's has-null flag as 0),
// except the two jsonb columns, whose text the server normalises (key
// order, spacing, numbers): they are hashed by what they hold.
//   - nodes: the number of keys (4 bytes), then each key (as a text field)
//     and its value (as a double precision field, NULL for null), keys in
//     bytewise order;
//   - explain (NULL as a NULL field): root (double precision), the number
//     of adjustments and each one's id (text), held (boolean), points
//     (double precision) and capped (boolean), grade_by_score,
//     grade_reason and unrated (text, "" when absent), the number of node
//     ranks and each one's node id (text) and rank (integer), by node id
//     in bytewise order.
//
// Numbers inside the jsonb columns are numeric to the server, which has no
// negative zero: −0 is hashed as 0. The rows' hash is the SHA-256 of the
// canonical rows, in (ord, subject) order, one after the other (each
// field carries its length, so the concatenation is unambiguous).
const digestScheme2 = 2

// subjectDigest hashes a batch's subject rows in digest scheme 2, as
// encodeSubjectsBinary sends them (in output order, part after part for
// a batch stored by peer group).
type subjectDigest struct {
	h   hash.Hash
	buf []byte
	// copied counts the rows the server reported storing (the command
	// tags of the COPYs that sent them): the digest's count of subjects
	// when the batch is stored, so that it is not counted again over the
	// table (an index scan over every new row, ~2 s at a million).
	copied int64
	// keys are the composites' ids in bytewise order, with their node
	// indices; ranked are the ranked nodes in bytewise order of id.
	keys   []sortedNodeKey
	ranked []rankedNode
}

// sortedNodeKey is a composite's id and node index.
type sortedNodeKey struct {
	id    string
	index int
}

func newSubjectDigest() *subjectDigest { return &subjectDigest{h: sha256.New()} }

// prepare sets the composites' keys (those of the set, the same for every
// part of a batch) and the ranked nodes of b's result (explainKeys: the
// ones appendExplain writes for this part), each in bytewise order of id.
func (d *subjectDigest) prepare(b *BatchRecord, ranked []rankedNode) {
	if d.keys == nil {
		comps := b.composites()
		d.keys = make([]sortedNodeKey, len(comps))
		for i, n := range comps {
			d.keys[i] = sortedNodeKey{n.ID, n.Index}
		}
		slices.SortFunc(d.keys, func(a, b sortedNodeKey) int { return strings.Compare(a.id, b.id) })
	}
	d.ranked = append(d.ranked[:0], ranked...)
	slices.SortFunc(d.ranked, func(a, b rankedNode) int { return strings.Compare(a.id, b.id) })
}

// addRow hashes one row from its binary COPY line (field count first):
// the fields before nodes are line[2:nodesAt], nodes is
// line[nodesAt:arraysAt] (replaced by its canonical form), the arrays are
// line[arraysAt:explainAt] and explain the rest (replaced too).
func (d *subjectDigest) addRow(line []byte, nodesAt, arraysAt, explainAt int, ids []string, nodeRanks [][]int32, si int, r *scoring.SubjectResult) {
	d.h.Write(line[2:nodesAt])
	b := d.buf[:0]
	b = appendInt32(b, int32(len(d.keys)))
	for _, k := range d.keys {
		b = binText(b, k.id)
		b = binFloat(b, jsonZero(r.Nodes[k.index]))
	}
	d.h.Write(b)
	d.h.Write(line[arraysAt:explainAt])
	b = b[:0]
	b = binFloat(b, jsonZero(r.RootValue))
	at, n := len(b), int32(0)
	b = appendInt32(b, 0) // the number of adjustments, set below
	for i, a := range r.Adjustments {
		if !a.Applies || i >= len(ids) {
			continue
		}
		b = binText(b, ids[i])
		b = binBool(b, a.Held)
		b = binFloat(b, jsonZero(a.Points))
		b = binBool(b, a.Capped)
		n++
	}
	binary.BigEndian.PutUint32(b[at:], uint32(n))
	b = binText(b, r.GradeByScore)
	b = binText(b, r.GradeReason)
	b = binText(b, string(r.Unrated))
	at, n = len(b), 0
	b = appendInt32(b, 0) // the number of node ranks, set below
	for _, k := range d.ranked {
		if rk := nodeRanks[k.k][si]; rk > 0 {
			b = binText(b, k.id)
			b = binInt32(b, rk)
			n++
		}
	}
	binary.BigEndian.PutUint32(b[at:], uint32(n))
	d.h.Write(b)
	d.buf = b
}

// sum returns the rows' hash.
func (d *subjectDigest) sum() []byte { return d.h.Sum(nil) }

// jsonZero is x as a jsonb number keeps it: −0 becomes 0.
func jsonZero(x float64) float64 {
	if x == 0 {
		return 0
	}
	return x
}

// sqlVerifyRows reads the rows of batch $1 for scheme 2, in digest order:
// the arrays in their binary form (array_send), the jsonb columns as text.
const sqlVerifyRows = `SELECT batch_id, ord, subject, name, kind, peer_group, rated, rank, score, grade, coverage, vetoed,
	nodes::text, array_send(raw), array_send(value), array_send(status), array_send(weight), explain::text
	FROM batch_subjects WHERE batch_id = $1 ORDER BY ord, subject COLLATE "C"`

// verifyRow is one row of sqlVerifyRows.
type verifyRow struct {
	BatchID   int64
	Ord       int32
	Subject   string
	Name      string
	Kind      string
	PeerGroup string
	Rated     bool
	Rank      sql.NullInt32
	Score     sql.NullFloat64
	Grade     sql.NullString
	Coverage  sql.NullFloat64
	Vetoed    sql.NullBool
	Nodes     string
	Raw       []byte
	Value     []byte
	Status    []byte
	Weight    []byte
	Explain   sql.NullString
}

// storedRowsDigest recomputes the scheme-2 hash of batch id's subject rows
// from the stored rows, through q (the caller's snapshot, with
// extra_float_digits set so that floats read back exactly). A stored value
// govscore never writes (a non-finite float, a malformed array or jsonb)
// wraps ErrIntegrity.
func storedRowsDigest(rows *sql.Rows, id int64) ([]byte, error) {
	h := sha256.New()
	var b []byte
	var r verifyRow
	bad := func(what string) error {
		return fmt.Errorf("batch %d, subject %q: %s: %w", id, r.Subject, what, ErrIntegrity)
	}
	for rows.Next() {
		r = verifyRow{}
		if err := rows.Scan(&r.BatchID, &r.Ord, &r.Subject, &r.Name, &r.Kind, &r.PeerGroup, &r.Rated, &r.Rank, &r.Score,
			&r.Grade, &r.Coverage, &r.Vetoed, &r.Nodes, &r.Raw, &r.Value, &r.Status, &r.Weight, &r.Explain); err != nil {
			return nil, err
		}
		b = binInt64(b[:0], r.BatchID)
		b = binInt32(b, r.Ord)
		for _, f := range [...]string{r.Subject, r.Name, r.Kind, r.PeerGroup} {
			b = binText(b, f)
		}
		b = binBool(b, r.Rated)
		b = binOrNull(b, r.Rank.Valid, r.Rank.Int32, binInt32)
		var ok bool
		if b, ok = binStoredFloat(b, r.Score); !ok {
			return nil, bad("score is not finite")
		}
		b = binOrNull(b, r.Grade.Valid, r.Grade.String, binText[string])
		if b, ok = binStoredFloat(b, r.Coverage); !ok {
			return nil, bad("coverage is not finite")
		}
		b = binOrNull(b, r.Vetoed.Valid, r.Vetoed.Bool, binBool)
		var err error
		if b, err = canonNodesJSON(b, r.Nodes); err != nil {
			return nil, bad("nodes: " + err.Error())
		}
		for _, a := range [...][]byte{r.Raw, r.Value, r.Status, r.Weight} {
			if len(a) < 12 {
				return nil, bad("an array is malformed")
			}
			b = appendInt32(b, int32(len(a)))
			at := len(b)
			b = append(b, a...)
			if binary.BigEndian.Uint32(a) > 0 {
				binary.BigEndian.PutUint32(b[at+4:], 0) // the has-null flag
			}
		}
		if !r.Explain.Valid {
			b = binNull(b)
		} else if b, err = canonExplainJSON(b, r.Explain.String); err != nil {
			return nil, bad("explain: " + err.Error())
		}
		h.Write(b)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return h.Sum(nil), nil
}

// binOrNull appends v as enc does when valid, else a NULL field.
func binOrNull[T any](b []byte, valid bool, v T, enc func([]byte, T) []byte) []byte {
	if !valid {
		return binNull(b)
	}
	return enc(b, v)
}

// binStoredFloat appends a stored float as binFloat does; false when it is
// not finite (govscore stores NULL for those).
func binStoredFloat(b []byte, v sql.NullFloat64) ([]byte, bool) {
	if !v.Valid {
		return binNull(b), true
	}
	if math.IsNaN(v.Float64) || math.IsInf(v.Float64, 0) {
		return b, false
	}
	return binFloat(b, v.Float64), true
}

// jsonNumber parses a number of a jsonb column's text (numeric's output:
// an exact decimal, never an exponent) into the float64 it was written
// from; null is NaN.
func jsonNumber(raw json.RawMessage) (float64, error) {
	s := string(bytes.TrimSpace(raw))
	if s == "null" {
		return math.NaN(), nil
	}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	x, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(x, 0) {
		return 0, fmt.Errorf("%q is not a float", s)
	}
	return x, nil
}

// canonNodesJSON appends the canonical form of a nodes column (its text).
func canonNodesJSON(b []byte, text string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return b, err
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = appendInt32(b, int32(len(keys)))
	for _, k := range keys {
		x, err := jsonNumber(m[k])
		if err != nil {
			return b, fmt.Errorf("%s: %w", k, err)
		}
		b = binText(b, k)
		b = binFloat(b, jsonZero(x))
	}
	return b, nil
}

// storedExplain is an explain column as stored, every field checked.
type storedExplain struct {
	Root        json.RawMessage `json:"root"`
	Adjustments []struct {
		ID     string          `json:"id"`
		Held   bool            `json:"held"`
		Points json.RawMessage `json:"points"`
		Capped bool            `json:"capped"`
	} `json:"adjustments"`
	GradeByScore string           `json:"grade_by_score"`
	GradeReason  string           `json:"grade_reason"`
	Unrated      string           `json:"unrated"`
	NodeRanks    map[string]int32 `json:"node_ranks"`
}

// canonExplainJSON appends the canonical form of an explain column (its
// text); a field govscore does not write is an error.
func canonExplainJSON(b []byte, text string) ([]byte, error) {
	dec := json.NewDecoder(strings.NewReader(text))
	dec.DisallowUnknownFields()
	var e storedExplain
	if err := dec.Decode(&e); err != nil {
		return b, err
	}
	root, err := jsonNumber(e.Root)
	if err != nil {
		return b, fmt.Errorf("root: %w", err)
	}
	b = binFloat(b, jsonZero(root))
	b = appendInt32(b, int32(len(e.Adjustments)))
	for _, a := range e.Adjustments {
		p, err := jsonNumber(a.Points)
		if err != nil {
			return b, fmt.Errorf("adjustment %s: points: %w", a.ID, err)
		}
		b = binText(b, a.ID)
		b = binBool(b, a.Held)
		b = binFloat(b, jsonZero(p))
		b = binBool(b, a.Capped)
	}
	b = binText(b, e.GradeByScore)
	b = binText(b, e.GradeReason)
	b = binText(b, e.Unrated)
	ids := make([]string, 0, len(e.NodeRanks))
	for k := range e.NodeRanks {
		ids = append(ids, k)
	}
	slices.Sort(ids)
	b = appendInt32(b, int32(len(ids)))
	for _, k := range ids {
		b = binText(b, k)
		b = binInt32(b, e.NodeRanks[k])
	}
	return b, nil
}
