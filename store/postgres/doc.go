// Package postgres stores govscore's data and batches in PostgreSQL (SPEC
// §7), through sqlx and lib/pq: subjects, metrics, imports, indicator-set
// versions, batches and their results.
//
// # Schema
//
// The schema is created and upgraded by Migrate from SQL files embedded in
// the binary (migrations/NNNN_name.sql), in one transaction under an
// advisory lock, so that two `govscore db migrate` at once are safe. The
// versions applied are recorded in govscore_migrations; CheckSchema tells a
// binary whose schema is older (run `govscore db migrate`) or newer
// (upgrade govscore) than it expects.
//
//   - subjects(id, code, name, kind, parent, attrs jsonb, import_id):
//     code is the subject id of subjects.csv, id an internal integer key.
//   - metric_names(id, name) and metric_columns(period, metric_id): the
//     catalogue of (metric, period) columns that hold rows.
//   - metric_blocks(period, metric_id, block, first_id, vals float8[],
//     import_ids bigint[], sources text[]) (migration 0011, blocks.go):
//     the given cells of one (period, metric) column for the subject ids
//     with the same id >> 16, vals[k] being subject first_id+k−1's value
//     (NULL: no cell; NaN: a given missing value), import_ids[k] the
//     import that gave it, sources[k] its source (the array NULL when no
//     cell has one). Primary key (period, metric_id, block). A value costs
//     about 8 bytes (vals is stored uncompressed, the import ids compress
//     to almost nothing) where a row per value cost ~98 with its key, and
//     a million subjects' column is read as 16 rows. The view metrics
//     shows the cells as rows (period, metric_id, subject_id, value,
//     source, import_id, loaded_at = the import's time), as the table of
//     that name held them before.
//   - imports(id, files, sha256, counts, imported_at, imported_by).
//   - indicator_sets(id, set_id, name, version, sha256 unique, yaml).
//   - batches(id, set_version, period, data_sha256, engine_version,
//     generated_at, status, created/approved/published at and by, sha256
//     the batch digest), unique on (set_version, period, data_sha256).
//   - batch_subjects(batch_id, ord, subject, name, kind, peer_group, rated,
//     rank, score, grade, coverage, vetoed, nodes jsonb, raw[], value[],
//     status[], weight[]): one row per subject in output order; the arrays
//     hold the per-leaf cells in the order of batches.leaves (so a batch of
//     a million subjects is a million rows, not fifty million). The view
//     batch_cells shows them as (batch_id, subject, leaf, raw, value,
//     status, weight) rows. A row is over TOAST's threshold at about 25
//     leaves: its arrays and jsonb columns are compressed with lz4 where
//     the server has it (migration 0009; pglz, the default, took ~5% of
//     the server's time in `run --db`).
//   - batch_outputs(batch_id, name, sha256, bytes, cells_at, cells_bytes):
//     the digest of every stored output, of its uncompressed bytes
//     (migration 0002), and, for indicators.csv and results.json, which
//     bytes of it are the batch's cells (migration 0010, derived.go): those
//     are not in its chunks but rendered from the batch_subjects rows when
//     it is read, with the report writers' code (reports.StoredCells).
//   - batch_warnings and batch_files (the rendered results.csv,
//     indicators.csv and results.json, the last two without their cells
//     since migration 0010): one row per 8 MB of a file, each
//     an independent S2 stream (klauspost/compress's extension of
//     Snappy's framing format), so that a file's rows in chunk order form
//     one S2 stream of it; batches stored before hold gzip members (one
//     gzip stream per file), and readers tell the two by the first bytes.
//
// # Lifecycle
//
// A batch is stored as a draft, then approved, then published
// (Approve, Publish; each one conditional UPDATE, so that of concurrent
// callers exactly one succeeds). The database enforces it: triggers
// (migrations 0001 and 0002) reject any other status change, approved →
// approved included (SQLSTATE GS002, ErrTransition), any UPDATE or DELETE
// of a published batch and any change to a batch's identity (set,
// period, data fingerprint, engine, summary) or digest (GS001,
// ErrPublished) — but the one setting of the counts of a batch stored
// group by group, inserted with them unknown (-1, -1) and given them
// before its digest (migration 0012, GroupBatch) — any change to the results, warnings or files of a batch
// that is no longer a draft or is stored with its digest, rows moved from
// one batch to another (the guards check the new row as well as the old),
// any change to an indicator-set version a batch uses, and TRUNCATE of any
// table once such a batch exists — whoever connects, the table owner
// included, as long as the triggers are enabled.
//
// # Integrity
//
// SaveBatch records, last thing before its commit, the SHA-256 and size
// of every output (batch_outputs) and the digest of the whole batch
// (batches.sha256, sqlBatchDigest: identity, indicator set with its
// YAML's SHA-256, every result row, warning and output digest, each row
// hashed in its text form with floats in shortest exact form). The subject
// rows are hashed in one of two schemes (batches.digest_scheme, migration
// 0008): scheme 2, for rows sent in COPY's binary format, hashes them in
// govscore while they are sent, in a canonical binary form (digest2.go),
// and the server adds that hash to the rest; scheme 1 (NULL: batches
// stored before, and rows sent in the text format) has the server hash
// every row's text form, about a minute of one server core per million
// subjects of 50 leaves. Verify recomputes the digest from the stored
// rows in the batch's scheme (in scheme 2 by reading the rows back and
// hashing them as SaveBatch did), and WriteOutput checks each file as it
// streams it; a mismatch wraps ErrIntegrity. A superuser or the table
// owner can disable the triggers and change anything; verification
// detects it unless the digests are recomputed and rewritten too, so
// published digests should also be kept outside the database.
//
// # Choices
//
//   - Re-rendering a stored batch (`govscore report --batch`) writes the
//     files rendered by the report writers when the batch ran, stored with
//     it; their cells (about 85% of indicators.csv's and results.json's
//     bytes) are stored once, as the rows' arrays, and rendered from them
//     again, checked against the whole file's recorded SHA-256 and size, so
//     that the bytes are those of the run or reading fails with
//     ErrIntegrity. Storing them twice took 40% of `run --db`'s time at a
//     million subjects (BENCHMARKS.md). Re-running from the stored data
//     could not reproduce a batch once a later import corrected its data,
//     and a published batch must not change.
//   - A batch read from the database holds every subject in the database
//     (as a file run holds every row of subjects.csv) and the metric values
//     of the batch period and the previous one, read with the period's
//     ratings from one snapshot (LoadInputs; Snapshot is the batch.Source
//     of run --db that reads so). Its data fingerprint is that of the
//     dataset and the period's ratings (batch.DataFingerprint); it equals
//     the file-based one when the files hold those two periods only.
//   - An import replaces the values of the cells it gives and leaves all
//     others alone; a missing token (NA, empty) is stored as NULL and
//     replaces a value. A subject present in the import is inserted or
//     updated whole (name, kind, parent, attributes). A changed source
//     counts as a changed value.
//   - Import writes the given cells block by block: the blocks of a
//     column new to the database are built from the dataset's column and
//     its Given record, in the order of the subjects' database ids (one
//     permutation, 4 bytes per subject), and sent with one COPY in the
//     binary format (the text format when the connection cannot be taken
//     over; values in Go's shortest round-trip form, so they read back bit
//     for bit); the blocks of a column the database holds that the import
//     gives cells of are read, merged in Go (counting each given cell as
//     added, changed or unchanged; an unchanged cell keeps its import id),
//     deleted and copied in again. The import holds no copy of the cells
//     beyond the dataset's, and one column's touched blocks while it
//     merges them.
//   - The server's data of record (migrations 0003, 0004) are versions:
//     metric values (Submit) and ratings (SubmitRatings) are never
//     overwritten, each version names its submission and the version it
//     replaces, and the tables refuse UPDATE, DELETE and TRUNCATE. A
//     server run reads the register, the metric versions and the ratings
//     in one REPEATABLE READ READ ONLY snapshot (ReadRunSnapshot) and
//     records the versions it read with their digest (RecordRunInputs),
//     so InputChanges and RatingChanges name what changed between two
//     batches.
//   - The package depends on the core packages (dataset, indicators,
//     scoring, assess, diag) only. *DB is a batch.Source (Periods,
//     Dataset, Ratings, Describe); SaveBatch takes a BatchRecord of domain
//     values and converts it into its rows (setRow, batchInsertRow and the
//     COPY lines) itself.
//   - SaveBatch sends the batch_subjects rows in COPY's binary format
//     (copyBinaryIn: lib/pq refuses binary COPY, so the COPY sub-protocol
//     is spoken on lib/pq's connection between two statements; the text
//     format is the fallback) and the batch_warnings rows through the raw
//     text COPY, on the connection of its transaction. The outputs are
//     rendered meanwhile, in a goroutine of their own; their 8 MB chunks
//     are compressed in parallel (up to GOMAXPROCS, at most 8, at once) and
//     sent in order, by one binary COPY into batch_files, once the COPY of
//     the results is done. Memory stays bounded whatever the size of the
//     outputs: at most 16 compressed chunks wait for the connection, and
//     rendering waits when they do.
//   - Imports are serialised by an advisory lock. Storing the same batch
//     (set version, period, data) twice is ErrBatchExists; storing it while
//     another process stores it is ErrBusy, after waiting up to 3 s for the
//     batch's lock (what a run cancelled just before holds until its server
//     process has rolled back).
//   - Errors never carry the connection password (Redact); errors after a
//     cancelled or expired context wrap ctx.Err(). ErrConnect is a
//     connection that could not be opened, ErrConnLost one that broke or
//     that the server terminated mid-way (nothing committed), and
//     ErrCommitUnknown one that broke after COMMIT was sent, before the
//     answer: the transaction may be committed or not, and running the
//     same import or batch again is safe (an import changes nothing
//     already stored; a stored batch is ErrBatchExists).
package postgres
