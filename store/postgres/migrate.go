package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/lib/pq"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema step, migrations/NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded migrations in version order.
func migrations() []migration {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		panic(err) // embedded at build time
	}
	var out []migration
	for _, e := range ents {
		n := e.Name()
		v, err := strconv.Atoi(strings.SplitN(n, "_", 2)[0])
		if err != nil {
			panic("bad migration file name " + n)
		}
		b, _ := migrationFS.ReadFile("migrations/" + n)
		out = append(out, migration{version: v, name: strings.TrimSuffix(n, ".sql"), sql: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out
}

// SchemaVersion is the schema version this build expects: the highest
// embedded migration.
func SchemaVersion() int {
	m := migrations()
	return m[len(m)-1].version
}

// migrateLock is the pg_advisory_xact_lock key that serialises Migrate.
const migrateLock = 0x676f7673636f7265 // "govscore"

const (
	sqlCreateMigrations = `CREATE TABLE IF NOT EXISTS govscore_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL DEFAULT now())`
	sqlAppliedVersions = `SELECT version FROM govscore_migrations ORDER BY version`
	sqlRecordMigration = `INSERT INTO govscore_migrations (version, name) VALUES ($1, $2)`
	sqlSchemaVersion   = `SELECT coalesce(max(version), 0) FROM govscore_migrations`
)

// Migrate applies the embedded migrations that the database lacks, in one
// transaction holding an advisory lock, so two processes migrating at once
// are safe: the second waits and then finds nothing to do. It returns the
// versions applied.
func (db *DB) Migrate(ctx context.Context) ([]int, error) {
	tx, err := db.x.BeginTxx(ctx, nil)
	if err != nil {
		return nil, db.mapError(ctx, "migrate", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(migrateLock)); err != nil {
		return nil, db.mapError(ctx, "migrate: lock", err)
	}
	if _, err := tx.ExecContext(ctx, sqlCreateMigrations); err != nil {
		return nil, db.mapError(ctx, "migrate", err)
	}
	var have []int
	if err := tx.SelectContext(ctx, &have, sqlAppliedVersions); err != nil {
		return nil, db.mapError(ctx, "migrate", err)
	}
	done := map[int]bool{}
	top := 0
	for _, v := range have {
		done[v] = true
		top = max(top, v)
	}
	if top > SchemaVersion() {
		return nil, fmt.Errorf("migrate: schema version %d, this govscore knows %d: %w", top, SchemaVersion(), ErrSchemaNew)
	}
	var applied []int
	for _, m := range migrations() {
		if done[m.version] {
			continue
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			return nil, db.mapError(ctx, "migrate: "+m.name, err)
		}
		if _, err := tx.ExecContext(ctx, sqlRecordMigration, m.version, m.name); err != nil {
			return nil, db.mapError(ctx, "migrate: "+m.name, err)
		}
		applied = append(applied, m.version)
	}
	for _, c := range lateColumns {
		var n int
		if err := tx.GetContext(ctx, &n, sqlHasColumn, c.table, c.column); err != nil {
			return nil, db.mapError(ctx, "migrate", err)
		}
		if n == 0 {
			if _, err := tx.ExecContext(ctx, c.ddl); err != nil {
				return nil, db.mapError(ctx, "migrate: "+c.table+"."+c.column, err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, db.mapError(ctx, "migrate: commit", err)
	}
	return applied, nil
}

// lateColumns are columns that a migration gained after it was merged
// (0004's batch_subjects.explain): a database that applied the earlier
// form of the migration lacks them. Migrate adds them; CheckSchema reports
// them missing as ErrSchemaOld ("run govscore db migrate").
var lateColumns = []struct{ table, column, ddl string }{
	{"batch_subjects", "explain", `ALTER TABLE batch_subjects ADD COLUMN explain jsonb`},
}

const sqlHasColumn = `SELECT count(*) FROM information_schema.columns
WHERE table_schema = current_schema() AND table_name = $1 AND column_name = $2`

// CheckSchema returns nil when the database schema is the one this build
// expects, else an error wrapping ErrSchemaMissing, ErrSchemaOld or
// ErrSchemaNew that tells the user what to do.
func (db *DB) CheckSchema(ctx context.Context) error {
	var v int
	err := db.x.GetContext(ctx, &v, sqlSchemaVersion)
	var pe *pq.Error
	if errors.As(err, &pe) && pe.Code == codeNoTable {
		return fmt.Errorf("%s: %w", db.url, ErrSchemaMissing)
	}
	if err != nil {
		return db.mapError(ctx, "checking the schema version", err)
	}
	if err := checkVersion(db.url, v, SchemaVersion()); err != nil {
		return err
	}
	// Migrations are numbered by the branch that adds them and may land
	// out of order (0003 before 0002): a database at the highest version
	// may still lack a lower one, which Migrate applies.
	var have []int
	if err := db.x.SelectContext(ctx, &have, sqlAppliedVersions); err != nil {
		return db.mapError(ctx, "checking the schema version", err)
	}
	if err := checkGaps(db.url, have); err != nil {
		return err
	}
	for _, c := range lateColumns {
		var n int
		if err := db.x.GetContext(ctx, &n, sqlHasColumn, c.table, c.column); err != nil {
			return db.mapError(ctx, "checking the schema", err)
		}
		if n == 0 {
			return fmt.Errorf("%s: column %s.%s is missing (migration 0004 applied in an earlier form): %w", db.url, c.table, c.column, ErrSchemaOld)
		}
	}
	return nil
}

// checkGaps reports an embedded migration missing from the applied
// versions have.
func checkGaps(url string, have []int) error {
	done := map[int]bool{}
	for _, v := range have {
		done[v] = true
	}
	for _, m := range migrations() {
		if !done[m.version] {
			return fmt.Errorf("%s: migration %s is not applied: %w", url, m.name, ErrSchemaOld)
		}
	}
	return nil
}

// checkVersion compares the database's schema version have with the
// version want this build expects.
func checkVersion(url string, v, want int) error {
	switch {
	case v == 0:
		return fmt.Errorf("%s: %w", url, ErrSchemaMissing)
	case v < want:
		return fmt.Errorf("%s: schema version %d, this govscore needs %d: %w", url, v, want, ErrSchemaOld)
	case v > want:
		return fmt.Errorf("%s: schema version %d, this govscore knows %d: %w", url, v, want, ErrSchemaNew)
	}
	return nil
}
