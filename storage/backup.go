package storage

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
)

// Backup writes a consistent copy of the database file at src to path,
// which must not exist or be empty, with VACUUM INTO: one read
// transaction, so the copy is the database as of one commit (every group
// a committer finished before it began, none after), while writes go on
// beside it, in this process or another.
//
// It reads through a read-only connection of its own, which never creates
// src: a DB's read pool is query_only, which refuses to write even the
// copy, and its writer belongs to the committer. The copy is compact, in
// rollback-journal mode, and synced to disk before Backup returns.
func Backup(ctx context.Context, src, path string) error {
	if _, err := os.Stat(src); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	db, err := sql.Open("sqlite", readOnlyDSN(src)+"&_pragma=busy_timeout(5000)")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `VACUUM INTO ?`, path); err != nil {
		return fmt.Errorf("backup %s: %w", src, err)
	}
	// VACUUM INTO leaves the copy to the OS cache; a backup is on the disk.
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return fmt.Errorf("backup: sync %s: %w", path, err)
	}
	return f.Close()
}

// CopyReport is what CheckCopy found in a database file.
type CopyReport struct {
	Items         int64
	SchemaVersion int
}

// CheckCopy opens the database file at path read-only, runs PRAGMA
// integrity_check and counts its items. A file that fails the check is an
// error naming the first problems SQLite reports.
func CheckCopy(ctx context.Context, path string) (CopyReport, error) {
	db, err := sql.Open("sqlite", readOnlyDSN(path))
	if err != nil {
		return CopyReport{}, fmt.Errorf("check %s: %w", path, err)
	}
	defer db.Close()
	rows, err := db.QueryContext(ctx, `PRAGMA integrity_check(10)`)
	if err != nil {
		return CopyReport{}, fmt.Errorf("check %s: %w", path, err)
	}
	defer rows.Close()
	var problems []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return CopyReport{}, fmt.Errorf("check %s: %w", path, err)
		}
		if s != "ok" {
			problems = append(problems, s)
		}
	}
	if err := rows.Err(); err != nil {
		return CopyReport{}, fmt.Errorf("check %s: %w", path, err)
	}
	if len(problems) > 0 {
		return CopyReport{}, fmt.Errorf("check %s: integrity_check failed: %v", path, problems)
	}
	var r CopyReport
	if err := db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&r.SchemaVersion); err != nil {
		return CopyReport{}, fmt.Errorf("check %s: %w", path, err)
	}
	if err := db.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&r.Items); err != nil {
		return CopyReport{}, fmt.Errorf("check %s: count items: %w", path, err)
	}
	return r, nil
}

// readOnlyDSN opens path for reading only, never creating it.
func readOnlyDSN(path string) string {
	return "file:" + (&url.URL{Path: path}).EscapedPath() + "?mode=ro"
}
