package storage

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations/sqlite/*.sql migrations/postgres/*.sql
var migrationFS embed.FS

// migration is one numbered schema change.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations reads SQLite's embedded files named NNNN_name.sql, in order.
func migrations() ([]migration, error) { return readMigrations("sqlite") }

// readMigrations reads one backend's migrations (sqlite or postgres), in order.
func readMigrations(backend string) ([]migration, error) {
	dir := "migrations/" + backend
	entries, err := fs.ReadDir(migrationFS, dir)
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries {
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile(dir + "/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("migration %s: expected number %d", m.name, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the number of the last migration applied to the file.
func (db *DB) SchemaVersion(ctx context.Context) (int, error) {
	if db.pg {
		return db.pgSchemaVersion(ctx, db.read)
	}
	var v int
	if err := db.write.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return 0, fmt.Errorf("read schema version: %w", err)
	}
	return v, nil
}

// LatestVersion is the schema version this binary migrates to, for commands
// that read a database without migrating it.
func (db *DB) LatestVersion() (int, error) {
	ms, err := readMigrations(db.backend())
	if err != nil {
		return 0, err
	}
	return len(ms), nil
}

// Migrate applies every migration newer than the file's user_version, each in
// its own transaction, and returns how many it applied. A file from a newer
// binary is refused rather than touched.
func (db *DB) Migrate(ctx context.Context) (applied int, err error) {
	if db.pg {
		return db.pgMigrate(ctx)
	}
	ms, err := migrations()
	if err != nil {
		return 0, err
	}
	current, err := db.SchemaVersion(ctx)
	if err != nil {
		return 0, err
	}
	if latest := len(ms); current > latest {
		return 0, fmt.Errorf("database %s is at schema version %d, newer than this binary knows (%d): upgrade liaison", db.path, current, latest)
	}
	for _, m := range ms[current:] {
		err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
			if _, err := tx.Tx.ExecContext(ctx, m.sql); err != nil {
				return err
			}
			// PRAGMA takes no bound parameters; the version is an int we made.
			_, err := tx.Tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", m.version))
			return err
		})
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %w", m.name, err)
		}
		applied++
	}
	return applied, nil
}
