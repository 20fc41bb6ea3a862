package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/govscore/govscore/indicators"
	"github.com/govscore/govscore/scoring"
)

// Status is a batch's place in its lifecycle.
type Status string

// Batch statuses, in lifecycle order.
const (
	Draft     Status = "draft"
	Approved  Status = "approved"
	Published Status = "published"
)

// Output is one rendered file of a batch (results.csv, …), stored with it
// so that `govscore report` reproduces it byte for byte. SaveBatch calls
// Write from a goroutine of its own while it stores the batch's results,
// so Write must only read the batch.
//
// Two outputs can be rendered together, in one pass (indicators.csv and
// results.json share the formatting of every cell): the first of the pair
// sets JointWith to the other's name and Joint to the function writing
// both. When both are stored, Joint renders them and neither Write is
// called; the stored files are those the two Writes would store.
type Output struct {
	Name  string
	Write func(io.Writer) error
	// JointWith names the output rendered together with this one by
	// Joint; "" for none.
	JointWith string
	// Joint writes this output to w and the JointWith output to with.
	Joint func(w, with io.Writer) error
}

// BatchInfo describes a stored batch.
type BatchInfo struct {
	ID                                    int64
	SetID, SetName, SetVersion, SetSHA256 string
	Period, DataSHA256, EngineVersion     string
	Status                                Status
	Subjects, Rated                       int
	GeneratedAt, CreatedAt                time.Time
	CreatedBy                             string
	ApprovedAt, PublishedAt               *time.Time
	ApprovedBy, PublishedBy               string
}

// batchRow is a row of batches joined with its indicator set.
type batchRow struct {
	ID            int64          `db:"id"`
	SetID         string         `db:"set_id"`
	SetName       string         `db:"set_name"`
	SetVersion    string         `db:"set_version"`
	SetSHA256     string         `db:"set_sha256"`
	Period        string         `db:"period"`
	DataSHA256    string         `db:"data_sha256"`
	EngineVersion string         `db:"engine_version"`
	Status        string         `db:"status"`
	Subjects      int            `db:"subjects"`
	Rated         int            `db:"rated"`
	GeneratedAt   time.Time      `db:"generated_at"`
	CreatedAt     time.Time      `db:"created_at"`
	CreatedBy     string         `db:"created_by"`
	ApprovedAt    sql.NullTime   `db:"approved_at"`
	ApprovedBy    sql.NullString `db:"approved_by"`
	PublishedAt   sql.NullTime   `db:"published_at"`
	PublishedBy   sql.NullString `db:"published_by"`
}

func (r *batchRow) info() BatchInfo {
	b := BatchInfo{
		ID: r.ID, SetID: r.SetID, SetName: r.SetName, SetVersion: r.SetVersion, SetSHA256: r.SetSHA256,
		Period: r.Period, DataSHA256: r.DataSHA256, EngineVersion: r.EngineVersion, Status: Status(r.Status),
		Subjects: r.Subjects, Rated: r.Rated, GeneratedAt: r.GeneratedAt.UTC(), CreatedAt: r.CreatedAt.UTC(),
		CreatedBy: r.CreatedBy, ApprovedBy: r.ApprovedBy.String, PublishedBy: r.PublishedBy.String,
	}
	if r.ApprovedAt.Valid {
		t := r.ApprovedAt.Time.UTC()
		b.ApprovedAt = &t
	}
	if r.PublishedAt.Valid {
		t := r.PublishedAt.Time.UTC()
		b.PublishedAt = &t
	}
	return b
}

const (
	sqlUpsertSet = `INSERT INTO indicator_sets (set_id, name, version, sha256, yaml) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (sha256) DO UPDATE SET sha256 = EXCLUDED.sha256 RETURNING id`
	sqlFindBatch   = `SELECT id, status FROM batches WHERE set_version = $1 AND period = $2 AND data_sha256 = $3`
	sqlInsertBatch = `INSERT INTO batches (set_version, period, data_sha256, engine_version, generated_at, composites, leaves, subjects, rated)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`
	sqlCopyBatchSubjects = `COPY batch_subjects (batch_id, ord, subject, name, kind, peer_group, rated, rank, score, grade, coverage, vetoed,
	nodes, raw, value, status, weight, explain) FROM STDIN`
	sqlCopyWarnings = `COPY batch_warnings (batch_id, seq, file, line, col, peer_group, subject, node, message) FROM STDIN`
	sqlInsertFile   = `INSERT INTO batch_files (batch_id, name, chunk, data) VALUES ($1, $2, $3, $4)`
	// sqlCopyFilesBinary stores the chunks of the outputs (copyChunks).
	sqlCopyFilesBinary = `COPY batch_files (batch_id, name, chunk, data) FROM STDIN (FORMAT binary)`
	sqlBatchColumns    = `SELECT b.id, s.set_id, s.name AS set_name, s.version AS set_version, s.sha256 AS set_sha256,
	b.period, b.data_sha256, b.engine_version, b.status, b.subjects, b.rated, b.generated_at, b.created_at, b.created_by,
	b.approved_at, b.approved_by, b.published_at, b.published_by
FROM batches b JOIN indicator_sets s ON s.id = b.set_version`
	sqlListBatches = sqlBatchColumns + ` ORDER BY b.id`
	sqlGetBatch    = sqlBatchColumns + ` WHERE b.id = $1`
	// The transitions are one conditional UPDATE each, so that of two
	// processes approving the same draft at once exactly one changes it;
	// the other's UPDATE, once the first commits, finds no draft.
	sqlApprove = `UPDATE batches SET status = 'approved', approved_at = now(), approved_by = coalesce(nullif($2, ''), current_user)
WHERE id = $1 AND status = 'draft' RETURNING id`
	sqlPublish = `UPDATE batches SET status = 'published', published_at = now(), published_by = coalesce(nullif($2, ''), current_user)
WHERE id = $1 AND status = 'approved' RETURNING id`
	sqlBatchStatus = `SELECT status FROM batches WHERE id = $1`
	sqlFileNames   = `SELECT DISTINCT name FROM batch_files WHERE batch_id = $1 ORDER BY name`
	sqlSetYAML     = `SELECT s.yaml FROM batches b JOIN indicator_sets s ON s.id = b.set_version WHERE b.id = $1`
)

// batchKey is the advisory-lock key of a batch: its set, period and data.
func batchKey(r *BatchRecord) int64 {
	h := sha256.Sum256([]byte(r.SetSHA256 + "\x00" + r.Period + "\x00" + r.DataSHA256))
	return int64(binary.BigEndian.Uint64(h[:8]))
}

// SaveBatch stores a scored batch as a draft, in one transaction: the
// indicator set's YAML (once per SHA-256), the batch, one row per subject
// with its per-leaf cells (COPY), the warnings (COPY) and the rendered
// outputs (S2-compressed in parallel, see fileWriter; rendered and
// compressed while the results are copied). It returns the new batch id.
//
// A batch is identified by its set version, period and data fingerprint:
// storing the same one twice fails with ErrBatchExists, and while another
// process is storing it, with ErrBusy.
func (db *DB) SaveBatch(ctx context.Context, b *BatchRecord, outputs []Output) (int64, error) {
	return db.saveBatch(ctx, b, outputs, nil)
}

// saveBatch is SaveBatch; after, when not nil, runs in the transaction
// once the batch is stored, so that what it records commits with it.
func (db *DB) saveBatch(ctx context.Context, b *BatchRecord, outputs []Output, after func(ctx context.Context, tx *sqlx.Tx, id int64) error) (int64, error) {
	// One connection for the transaction, so that the COPY of the results
	// can reach the driver (copyIn) inside it.
	conn, err := db.x.Connx(ctx)
	if err != nil {
		return 0, db.mapError(ctx, "storing the batch", err)
	}
	defer conn.Close()
	tx, id, err := db.openBatch(ctx, conn, b, func(setVersion int64) batchInsertRow { return toBatchInsertRow(b, setVersion) })
	if err != nil {
		return 0, err
	}
	defer tx.Rollback()
	// The outputs are rendered and compressed while the server takes the
	// results; their rows wait for the connection (storeFiles).
	outCtx, cancelOut := context.WithCancel(ctx)
	defer cancelOut()
	connFree := make(chan struct{})
	type filesResult struct {
		sums []OutputDigest
		cuts []cellsCut
		err  error
	}
	stored := make(chan filesResult, 1)
	go func() {
		sums, cuts, err := db.storeFiles(outCtx, tx.Tx, conn, id, outputs, connFree)
		stored <- filesResult{sums, cuts, err}
	}()
	restore := db.yieldCores()
	rows, err := db.copyResults(ctx, conn, id, b)
	restore()
	if err != nil {
		cancelOut()
		<-stored
		return 0, err
	}
	close(connFree)
	files := <-stored
	if files.err != nil {
		return 0, files.err
	}
	if err := db.commitBatch(ctx, tx, id, files.sums, files.cuts, rows, after); err != nil {
		return 0, err
	}
	return id, nil
}

// commitBatch ends the transaction that stored batch id: it records the
// batch digest over the stored rows and the outputs' sums and cuts
// (rows: the subject rows' digest in scheme 2, nil for scheme 1), runs
// after (when not nil) and commits.
func (db *DB) commitBatch(ctx context.Context, tx *sqlx.Tx, id int64, sums []OutputDigest, cuts []cellsCut, rows *subjectDigest, after func(ctx context.Context, tx *sqlx.Tx, id int64) error) error {
	if err := db.recordDigest(ctx, tx, id, sums, cuts, rows); err != nil {
		return err
	}
	if after != nil {
		if err := after(ctx, tx, id); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		return db.commitError(ctx, "storing the batch", err,
			"if it was stored, running again says \"batch already exists\" and `govscore batch list` shows it; if not, it is stored then")
	}
	return nil
}

// textCopyOnly, set by tests, makes copyResults use the text format.
var textCopyOnly bool

// copyResults sends the batch_subjects rows in COPY's binary format
// (copyBinaryIn; the text format through copyIn when the connection cannot
// be taken over) and the batch_warnings rows through the raw COPY of
// copyIn, on conn, whose transaction is open. It returns the rows' digest
// in scheme 2 when they went in the binary format, nil (scheme 1, the
// server hashes them) when in the text format.
func (db *DB) copyResults(ctx context.Context, conn *sqlx.Conn, id int64, b *BatchRecord) (*subjectDigest, error) {
	var d *subjectDigest
	if !textCopyOnly {
		d = newSubjectDigest()
	}
	d, err := db.copySubjects(ctx, conn, id, b, d)
	if err != nil {
		return nil, err
	}
	if len(b.Warnings) > 0 {
		if _, err := copyIn(ctx, conn, sqlCopyWarnings, func(w *copyWriter) error { return encodeWarnings(w, id, b) }); err != nil {
			return nil, db.mapError(ctx, "storing warnings", err)
		}
	}
	return d, nil
}

// copySubjects sends the batch_subjects rows of b on conn, whose
// transaction is open: in COPY's binary format, added to the digest d of
// scheme 2, or, when d is nil or the connection cannot be taken over, in
// the text format (scheme 1). It returns the digest the rows went into,
// nil for the text format.
func (db *DB) copySubjects(ctx context.Context, conn *sqlx.Conn, id int64, b *BatchRecord, d *subjectDigest) (*subjectDigest, error) {
	err := errNoBinaryCopy
	if d != nil {
		var n int64
		n, err = copyBinaryIn(ctx, conn, sqlCopyBatchSubjectsBinary, func(w *copyWriter) error { return encodeSubjectsBinary(w, id, b, d) })
		d.copied += n
	}
	if errors.Is(err, errNoBinaryCopy) {
		d = nil
		_, err = copyIn(ctx, conn, sqlCopyBatchSubjects, func(w *copyWriter) error { return encodeSubjects(w, id, b) })
	}
	if err != nil {
		return nil, db.mapError(ctx, "storing results", err)
	}
	return d, nil
}

// explainKeys are what the explain column of every subject names: the
// adjustments' ids and the ranked nodes (appendExplain).
func explainKeys(b *BatchRecord) (adjIDs []string, ranked []rankedNode) {
	adjIDs = make([]string, len(b.Set.Adjustments))
	for i, a := range b.Set.Adjustments {
		adjIDs[i] = a.ID
	}
	for k, n := range b.Set.Nodes {
		if n.Rank && k < len(b.Result.NodeRanks) && b.Result.NodeRanks[k] != nil {
			ranked = append(ranked, rankedNode{id: n.ID, k: k})
		}
	}
	return adjIDs, ranked
}

// encodeSubjects writes one batch_subjects line per subject, in output
// order, in COPY's text format. The per-leaf arrays are PostgreSQL array
// literals ({1.5,NULL,…}) with floats in Go's shortest round-trip form.
func encodeSubjects(w *copyWriter, id int64, b *BatchRecord) error {
	keys := nodeKeys(b.composites())
	leaves := b.Set.Leaves
	subs := b.Subjects
	cells := b.Result.Cells
	var nodes, raw, val, st, wt, ex []byte
	adjIDs, ranked := explainKeys(b)
	for ord, si := range b.Result.Order {
		r := &b.Result.Subjects[si]
		s := &subs[si]
		nodes = appendNodeKeys(nodes[:0], keys, r.Nodes)
		raw, val, st, wt = append(raw[:0], '{'), append(val[:0], '{'), append(st[:0], '{'), append(wt[:0], '{')
		for l := range leaves {
			if l > 0 {
				raw, val, st, wt = append(raw, ','), append(val, ','), append(st, ','), append(wt, ',')
			}
			c := cells[l].At(si)
			if !c.Applies {
				raw, val, st, wt = append(raw, "NULL"...), append(val, "NULL"...), append(st, "NULL"...), append(wt, "NULL"...)
				continue
			}
			raw, val, wt = appendArrayFloat(raw, c.Raw), appendArrayFloat(val, c.Value), appendArrayFloat(wt, c.Weight)
			st = append(st, c.Status...)
		}
		raw, val, st, wt = append(raw, '}'), append(val, '}'), append(st, '}'), append(wt, '}')

		line := strconv.AppendInt(w.line(), id, 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(b.Ord+ord), 10)
		for _, f := range [...]string{s.ID, s.Name, s.Kind, r.Group} {
			line = append(line, '\t')
			line = appendCopyText(line, f)
		}
		line = append(line, '\t')
		line = appendCopyBool(line, r.Rated)
		if r.Rated {
			line = append(line, '\t')
			line = strconv.AppendInt(line, int64(r.Rank), 10)
			line = append(line, '\t')
			line = appendCopyFloat(line, r.Score)
			line = append(line, '\t')
			line = appendCopyText(line, r.Grade)
		} else {
			line = append(line, "\t\\N\t\\N\t\\N"...)
		}
		line = append(line, '\t')
		line = appendCopyFloat(line, r.Coverage)
		line = append(line, '\t')
		if r.Rated {
			line = appendCopyBool(line, r.Vetoed)
		} else {
			line = append(line, `\N`...)
		}
		ex = appendExplain(ex[:0], adjIDs, ranked, b.Result.NodeRanks, si, r)
		for _, f := range [...][]byte{nodes, raw, val, st, wt, ex} {
			line = append(line, '\t')
			line = appendCopyText(line, f)
		}
		line = append(line, '\n')
		if err := w.endLine(line); err != nil {
			return err
		}
	}
	return nil
}

// sqlCopyBatchSubjectsBinary is sqlCopyBatchSubjects in binary format
// (copyBinaryIn, encodeSubjectsBinary).
const sqlCopyBatchSubjectsBinary = sqlCopyBatchSubjects + ` (FORMAT binary)`

// encodeSubjectsBinary is encodeSubjects in COPY's binary format: the
// same rows, the floats as their 8 bytes, so that the server has no text
// to parse but the JSON of nodes and explain.
//
// The subjects are encoded by blocks of encodeBlockSize in output order
// (subjectBlock): the cells of a block are read one leaf's column at a
// time (scoring.LeafCells.PublishedColumn, as the report writers do), each
// subject's normalised values from its node row and its effective weights
// in one pass down the tree (Result.EffectiveWeights, bit for bit
// Cell.Weight), into buffers reused from block to block.
func encodeSubjectsBinary(w *copyWriter, id int64, b *BatchRecord, d *subjectDigest) error {
	keys := nodeKeys(b.composites())
	leafNodes := make([]int, len(b.Set.Leaves))
	for l, n := range b.Set.Leaves {
		leafNodes[l] = n.Index
	}
	adjIDs, ranked := explainKeys(b)
	if d != nil {
		d.prepare(b, ranked)
	}
	subs := b.Subjects
	res := b.Result
	var nodes, ex []byte
	blk := newSubjectBlock(len(leafNodes), len(b.Set.Nodes))
	w.buf = append(w.buf, binHeader...)
	for start := 0; start < len(res.Order); start += encodeBlockSize {
		idx := res.Order[start:min(start+encodeBlockSize, len(res.Order))]
		blk.fill(res, idx)
		n := len(idx)
		for j, si := range idx {
			ord := start + j
			r := &res.Subjects[si]
			s := &subs[si]
			line := w.line()
			start := len(line)
			line = appendInt16(line, 18)
			line = binInt64(line, id)
			line = binInt32(line, int32(b.Ord+ord))
			for _, f := range [...]string{s.ID, s.Name, s.Kind, r.Group} {
				line = binText(line, f)
			}
			line = binBool(line, r.Rated)
			if r.Rated {
				line = binInt32(line, int32(r.Rank))
				line = binFloat(line, r.Score)
				line = binText(line, r.Grade)
			} else {
				line = binNull(binNull(binNull(line)))
			}
			line = binFloat(line, r.Coverage)
			if r.Rated {
				line = binBool(line, r.Vetoed)
			} else {
				line = binNull(line)
			}
			nodes = appendNodeKeys(nodes[:0], keys, r.Nodes)
			nodesAt := len(line)
			line = binJSONB(line, nodes)
			arraysAt := len(line)
			// raw, value, status, weight: NULL where the leaf does not
			// apply, as in encodeSubjects.
			res.EffectiveWeights(si, blk.eff)
			var at int
			line, at = binArrayStart(line, len(leafNodes), oidFloat8)
			for l := range leafNodes {
				if c := l*n + j; blk.applies[c] {
					line = binFloat(line, blk.raw[c])
				} else {
					line = binNull(line)
				}
			}
			line = binArrayEnd(line, at)
			line, at = binArrayStart(line, len(leafNodes), oidFloat8)
			for l, k := range leafNodes {
				if blk.applies[l*n+j] {
					line = binFloat(line, r.Nodes[k])
				} else {
					line = binNull(line)
				}
			}
			line = binArrayEnd(line, at)
			line, at = binArrayStart(line, len(leafNodes), oidText)
			for l := range leafNodes {
				if c := l*n + j; blk.applies[c] {
					line = binText(line, blk.status[c])
				} else {
					line = binNull(line)
				}
			}
			line = binArrayEnd(line, at)
			line, at = binArrayStart(line, len(leafNodes), oidFloat8)
			for l, k := range leafNodes {
				if blk.applies[l*n+j] {
					line = binFloat(line, blk.eff[k])
				} else {
					line = binNull(line)
				}
			}
			line = binArrayEnd(line, at)
			ex = appendExplain(ex[:0], adjIDs, ranked, res.NodeRanks, si, r)
			explainAt := len(line)
			line = binJSONB(line, ex)
			if d != nil {
				d.addRow(line[start:], nodesAt-start, arraysAt-start, explainAt-start, adjIDs, res.NodeRanks, si, r)
			}
			if err := w.endLine(line); err != nil {
				return err
			}
		}
	}
	return nil
}

// encodeBlockSize is the number of subjects encodeSubjectsBinary reads the
// cells of at once: 128 subjects × 50 leaves of cells fit in a core's L2
// cache, as the report writers' blocks.
const encodeBlockSize = 128

// subjectBlock holds the cells of a block of subjects, leaf by leaf: the
// block's j-th subject's cell of leaf l is at l*n + j; eff is one
// subject's effective weights, by node.
type subjectBlock struct {
	raw     []float64
	status  []scoring.Status
	applies []bool
	eff     []float64
}

func newSubjectBlock(leaves, nodes int) *subjectBlock {
	size := leaves * encodeBlockSize
	return &subjectBlock{raw: make([]float64, size), status: make([]scoring.Status, size), applies: make([]bool, size), eff: make([]float64, nodes)}
}

// fill reads the cells of the subjects idx (at most encodeBlockSize).
func (blk *subjectBlock) fill(res *scoring.Result, idx []int) {
	n := len(idx)
	for l := range res.Cells {
		o := l * n
		res.Cells[l].PublishedColumn(idx, blk.raw[o:o+n], blk.status[o:o+n], blk.applies[o:o+n])
	}
}

// encodeWarnings writes one batch_warnings line per warning, in COPY's
// text format.
func encodeWarnings(w *copyWriter, id int64, b *BatchRecord) error {
	for i, wn := range b.Warnings {
		line := strconv.AppendInt(w.line(), id, 10)
		line = append(line, '\t')
		line = strconv.AppendInt(line, int64(i), 10)
		line = append(line, '\t')
		line = appendCopyText(line, wn.Pos.File)
		for _, n := range [...]int{wn.Pos.Line, wn.Pos.Col} {
			line = append(line, '\t')
			line = strconv.AppendInt(line, int64(n), 10)
		}
		for _, f := range [...]string{wn.Group, wn.Subject, wn.Node, wn.Msg} {
			line = append(line, '\t')
			line = appendCopyText(line, f)
		}
		line = append(line, '\n')
		if err := w.endLine(line); err != nil {
			return err
		}
	}
	return nil
}

// Batches lists the stored batches, oldest first.
func (db *DB) Batches(ctx context.Context) ([]BatchInfo, error) {
	var rows []batchRow
	if err := db.x.SelectContext(ctx, &rows, sqlListBatches); err != nil {
		return nil, db.mapError(ctx, "listing batches", err)
	}
	out := make([]BatchInfo, len(rows))
	for i := range rows {
		out[i] = rows[i].info()
	}
	return out, nil
}

// Batch returns the stored batch id, or an error wrapping ErrNotFound.
func (db *DB) Batch(ctx context.Context, id int64) (*BatchInfo, error) {
	var r batchRow
	if err := db.x.GetContext(ctx, &r, sqlGetBatch, id); err != nil {
		return nil, db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	b := r.info()
	return &b, nil
}

// SetYAML returns the indicator-set YAML a batch was computed with.
func (db *DB) SetYAML(ctx context.Context, id int64) (string, error) {
	var y string
	if err := db.x.GetContext(ctx, &y, sqlSetYAML, id); err != nil {
		return "", db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	return y, nil
}

// Approve moves a draft batch to approved, recording who and when.
func (db *DB) Approve(ctx context.Context, id int64, by string) error {
	return db.transition(ctx, id, sqlApprove, Draft, by)
}

// Publish moves an approved batch to published; from then on the database
// refuses any change to it or its results.
func (db *DB) Publish(ctx context.Context, id int64, by string) error {
	return db.transition(ctx, id, sqlPublish, Approved, by)
}

// transition runs the conditional UPDATE q, which changes batch id only
// when its status is from. When it changes nothing, the batch's status
// (read afterwards) says why: not found, published, or another status.
func (db *DB) transition(ctx context.Context, id int64, q string, from Status, by string) error {
	var changed int64
	err := db.x.GetContext(ctx, &changed, q, id, by)
	if err == nil {
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	var st string
	if err := db.x.GetContext(ctx, &st, sqlBatchStatus, id); err != nil {
		return db.mapError(ctx, fmt.Sprintf("batch %d", id), err)
	}
	if Status(st) == Published {
		return fmt.Errorf("batch %d: %w", id, ErrPublished)
	}
	return fmt.Errorf("batch %d is %s, not %s: %w", id, st, from, ErrTransition)
}

// OutputNames returns the names of the output files stored with batch id,
// sorted, or an error wrapping ErrNotFound when the batch does not exist.
// For a batch with a digest (schema version 2) they are the outputs whose
// digests were recorded, and a file stored without one is ErrIntegrity.
func (db *DB) OutputNames(ctx context.Context, id int64) ([]string, error) {
	if _, err := db.Batch(ctx, id); err != nil {
		return nil, err
	}
	var names []string
	if err := db.x.SelectContext(ctx, &names, sqlFileNames, id); err != nil {
		return nil, db.mapError(ctx, "reading outputs", err)
	}
	var digest sql.NullString
	if err := db.x.GetContext(ctx, &digest, sqlStoredDigest, id); err != nil {
		return nil, db.mapError(ctx, "reading outputs", err)
	}
	if !digest.Valid {
		return names, nil
	}
	var outs []OutputDigest
	if err := db.x.SelectContext(ctx, &outs, sqlOutputDigests, id); err != nil {
		return nil, db.mapError(ctx, "reading outputs", err)
	}
	recorded := make([]string, len(outs))
	for i, o := range outs {
		recorded[i] = o.Name
	}
	for _, n := range names {
		if !slices.Contains(recorded, n) {
			return nil, fmt.Errorf("batch %d: file %s is stored without a recorded digest: %w", id, n, ErrIntegrity)
		}
	}
	return recorded, nil
}

// WriteOutput writes the output file name of batch id, as it was rendered
// when the batch ran, to w. The file is streamed chunk by chunk and, for
// a batch with a digest, checked against the SHA-256 and size recorded
// when it was stored: the error then wraps ErrIntegrity, after w got the
// bytes, so write to a staging file.
func (db *DB) WriteOutput(ctx context.Context, id int64, name string, w io.Writer) error {
	want, hasDigest, err := db.outputDigest(ctx, id, name)
	if err != nil {
		return err
	}
	if hasDigest && want == nil {
		return fmt.Errorf("batch %d: no digest is recorded for %s: %w", id, name, ErrIntegrity)
	}
	return db.writeOutput(ctx, db.x, id, name, want, w)
}

// Change is how one subject's result differs between two batches.
type Change struct {
	Subject, Name, PeerGroup string
	InA, InB                 bool
	ScoreA, ScoreB           float64 // NaN when unrated or absent
	RankA, RankB             int     // 0 when unrated or absent
	GradeA, GradeB           string
}

const sqlDiff = `SELECT coalesce(a.subject, b.subject) AS subject, coalesce(b.name, a.name) AS name,
	coalesce(b.peer_group, a.peer_group) AS peer_group, a.subject IS NOT NULL AS in_a, b.subject IS NOT NULL AS in_b,
	a.score AS score_a, b.score AS score_b, a.rank AS rank_a, b.rank AS rank_b, a.grade AS grade_a, b.grade AS grade_b
FROM (SELECT * FROM batch_subjects WHERE batch_id = $1) a
FULL JOIN (SELECT * FROM batch_subjects WHERE batch_id = $2) b ON a.subject = b.subject
WHERE a.subject IS NULL OR b.subject IS NULL
   OR a.score IS DISTINCT FROM b.score OR a.rank IS DISTINCT FROM b.rank OR a.grade IS DISTINCT FROM b.grade
ORDER BY 3, 1`

type diffRow struct {
	Subject   string          `db:"subject"`
	Name      string          `db:"name"`
	PeerGroup string          `db:"peer_group"`
	InA       bool            `db:"in_a"`
	InB       bool            `db:"in_b"`
	ScoreA    sql.NullFloat64 `db:"score_a"`
	ScoreB    sql.NullFloat64 `db:"score_b"`
	RankA     sql.NullInt64   `db:"rank_a"`
	RankB     sql.NullInt64   `db:"rank_b"`
	GradeA    sql.NullString  `db:"grade_a"`
	GradeB    sql.NullString  `db:"grade_b"`
}

// Diff returns the subjects whose score, rank or grade differ between
// batches a and b, or that only one of them holds, sorted by peer group
// (as in b) and subject id.
func (db *DB) Diff(ctx context.Context, a, b int64) ([]Change, error) {
	for _, id := range []int64{a, b} {
		if _, err := db.Batch(ctx, id); err != nil {
			return nil, err
		}
	}
	var rows []diffRow
	if err := db.x.SelectContext(ctx, &rows, sqlDiff, a, b); err != nil {
		return nil, db.mapError(ctx, "diff", err)
	}
	out := make([]Change, len(rows))
	for i, r := range rows {
		out[i] = Change{
			Subject: r.Subject, Name: r.Name, PeerGroup: r.PeerGroup, InA: r.InA, InB: r.InB,
			ScoreA: nullNaN(r.ScoreA), ScoreB: nullNaN(r.ScoreB),
			RankA: int(r.RankA.Int64), RankB: int(r.RankB.Int64), GradeA: r.GradeA.String, GradeB: r.GradeB.String,
		}
	}
	return out, nil
}

func nullNaN(v sql.NullFloat64) float64 {
	if !v.Valid {
		return math.NaN()
	}
	return v.Float64
}

// appendCopyFloat appends x as a COPY text field: \N when not finite
// (NaN or ±Inf, stored as NULL), else Go's shortest round-trip form.
func appendCopyFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, `\N`...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// appendCopyBool appends v as a COPY text field.
func appendCopyBool(b []byte, v bool) []byte {
	if v {
		return append(b, 't')
	}
	return append(b, 'f')
}

// appendArrayFloat appends x as an element of a PostgreSQL array literal,
// NULL when missing.
func appendArrayFloat(b []byte, x float64) []byte {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return append(b, "NULL"...)
	}
	return strconv.AppendFloat(b, x, 'g', -1, 64)
}

// nodeKey is a composite's JSON object key (its id, quoted, and the
// colon) and its index in a subject's node values.
type nodeKey struct {
	key   []byte
	index int
}

// nodeKeys quotes the composites' ids once for appendNodeKeys.
func nodeKeys(comps []*indicators.Node) []nodeKey {
	out := make([]nodeKey, len(comps))
	for i, n := range comps {
		k, _ := json.Marshal(n.ID)
		out[i] = nodeKey{key: append(k, ':'), index: n.Index}
	}
	return out
}

// appendNodeKeys appends the composite values vals[k.index] as a JSON
// object, under keys.
func appendNodeKeys(b []byte, keys []nodeKey, vals []float64) []byte {
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, k.key...)
		v := vals[k.index]
		if math.IsNaN(v) || math.IsInf(v, 0) {
			b = append(b, "null"...)
		} else {
			b = strconv.AppendFloat(b, v, 'g', -1, 64)
		}
	}
	return append(b, '}')
}
