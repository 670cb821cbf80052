package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/liaisonbot/liaison/storage"
)

var migrateCommand = command{
	name:    "migrate",
	summary: "create or upgrade the database, or copy SQLite into PostgreSQL",
	about: `Creates the database (the SQLite file at storage.path, or the PostgreSQL database at storage.url)
when it is missing, applies every migration it lacks and prints its schema version. ` + "`liaison run`" + ` does
the same at start-up; migrate does it alone, e.g. before commands that only read (export, digest
preview), which never create or upgrade a database.

With --to-postgres URL it copies the SQLite database at storage.path into the PostgreSQL database
at URL instead: items with their ids, votes, follows, labels and history, the event ledger, the
outbox, digests and tracker links, in one transaction. It migrates URL first and refuses one that
already holds items. Stop the bot first; afterwards set storage.url (LIAISON_DATABASE_URL) to URL.`,
	env:         []string{"LIAISON_DB", "LIAISON_DATABASE_URL"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		to := fs.String("to-postgres", "", "copy the SQLite database into the PostgreSQL database at this URL (postgres://…)")
		return func(ctx context.Context, g globals, args []string) error { return cmdMigrate(ctx, g, *to) }
	},
}

// cmdMigrate creates or upgrades the database and says what it did, or
// copies SQLite into PostgreSQL (to).
func cmdMigrate(ctx context.Context, g globals, to string) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	if to != "" {
		return migrateToPostgres(ctx, g, cfg, to)
	}
	db, applied, err := openStore(ctx, cfg.Storage)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied == 0 {
		fmt.Fprintf(g.stdout, "%s is up to date at schema version %d\n", cfg.Storage.where(), v)
	} else {
		fmt.Fprintf(g.stdout, "%s: applied %d migration(s); schema version %d\n", cfg.Storage.where(), applied, v)
	}
	return db.Close()
}

// migrateToPostgres copies the SQLite database at storage.path into the
// PostgreSQL database at to, migrated first, and says what it copied.
func migrateToPostgres(ctx context.Context, g globals, cfg Config, to string) error {
	if !strings.HasPrefix(to, "postgres://") && !strings.HasPrefix(to, "postgresql://") {
		return usageError{cmd: "liaison migrate", msg: "--to-postgres: " + storage.RedactURL(to) + " is not a PostgreSQL URL (example: postgres://liaison:PASSWORD@db.internal:5432/liaison)"}
	}
	src, err := openExistingDB(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer src.Close()
	dst, _, err := openStore(ctx, StorageConfig{URL: to})
	if err != nil {
		return fmt.Errorf("--to-postgres: %w", err)
	}
	defer dst.Close()
	counts, err := src.CopyTo(ctx, dst)
	if errors.Is(err, storage.ErrNotEmpty) {
		return fmt.Errorf("--to-postgres: %s already holds items; copy into an empty database (it is left as it was)", storage.RedactURL(to))
	}
	if err != nil {
		return fmt.Errorf("copy %s into %s: %w; nothing was copied", absPath(cfg.Storage.Path), storage.RedactURL(to), err)
	}
	fmt.Fprintf(g.stdout, "copied %s into %s: %s, %d changes, %d outbox messages, %d digest subscriptions\n",
		absPath(cfg.Storage.Path), storage.RedactURL(to), plural(counts["items"], "item"),
		counts["item_changes"], counts["outbox"], counts["digest_subscriptions"])
	fmt.Fprintf(g.stdout, "next: set storage.url (or LIAISON_DATABASE_URL) to that URL and start liaison run\n")
	return dst.Close()
}
