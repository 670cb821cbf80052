package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/liaisonbot/liaison/storage"
)

var backupCommand = command{
	name:    "backup",
	summary: "write a consistent copy of the database, safe while the bot runs",
	args:    []string{"FILE"},
	about: `Copies the database to FILE with SQLite's VACUUM INTO: online and consistent while the bot runs,
holding every capture committed before it started. The copy is written beside FILE, checked with
PRAGMA integrity_check and only then renamed into place, so a failed backup never leaves a
half-written FILE or destroys the previous one. It refuses to replace an existing FILE without
--force, and never creates the database it copies.`,
	env:         []string{"LIAISON_DB"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		force := fs.Bool("force", false, "replace FILE if it exists (the old one stays until the new copy is complete)")
		return func(ctx context.Context, g globals, args []string) error { return cmdBackup(ctx, g, args[0], *force) }
	},
}

// cmdBackup writes a consistent copy of the database to FILE while the bot
// runs, checks the copy and says what it holds. It never creates the
// database it copies, and never overwrites FILE without --force; even
// then the old FILE stays until the new copy is complete and checked.
func cmdBackup(ctx context.Context, g globals, dest string, force bool) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	if cfg.Storage.URL != "" {
		return fmt.Errorf("backup: the data is in PostgreSQL (storage.url), which backs itself up: "+
			"pg_dump --format=custom --file=%s '%s' writes a consistent copy while the bots run, and pg_restore --dbname=URL %s restores it", dest, cfg.Storage.where(), dest)
	}
	src := cfg.Storage.Path
	srcInfo, err := existingDatabase(src) // backup never creates the database it copies
	if err != nil {
		return err
	}
	switch info, err := os.Stat(dest); {
	case err == nil && os.SameFile(info, srcInfo):
		return fmt.Errorf("backup: %s is the database itself; give a path for the copy", dest)
	case err == nil && info.IsDir():
		return fmt.Errorf("backup: %s is a directory; give a file name for the copy, e.g. %s", dest, filepath.Join(dest, "liaison-backup.db"))
	case err == nil && !force:
		return fmt.Errorf("backup: %s already exists; pass --force to replace it, or choose another name", dest)
	case err != nil && !errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("backup: %w", err)
	}
	dir := filepath.Dir(dest)
	if fi, err := os.Stat(dir); err != nil || !fi.IsDir() {
		return fmt.Errorf("backup: directory %s does not exist; create it first", dir)
	}

	// The copy is made beside FILE and renamed over it once checked, so a
	// failed backup never leaves a half-written FILE or destroys the last.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(dest)+".*.tmp")
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	tmpPath := tmp.Name()
	tmp.Close()
	defer os.Remove(tmpPath) // gone by then after a success
	if err := storage.Backup(ctx, src, tmpPath); err != nil {
		return err
	}
	report, err := storage.CheckCopy(ctx, tmpPath)
	if err != nil {
		return fmt.Errorf("backup: the copy failed its check, so %s was not written: %w", dest, err)
	}
	info, err := os.Stat(tmpPath)
	if err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := os.Rename(tmpPath, dest); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	if err := syncDir(dir); err != nil {
		return fmt.Errorf("backup: %w", err)
	}
	fmt.Fprintf(g.stdout, "backed up %s to %s: %d bytes, %s, schema version %d, integrity check ok\n",
		src, dest, info.Size(), plural(int(report.Items), "item"), report.SchemaVersion)
	return nil
}

// syncDir makes a rename in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
