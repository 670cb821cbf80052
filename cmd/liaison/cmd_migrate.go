package main

import (
	"context"
	"fmt"
)

// cmdMigrate creates or upgrades the database and says what it did.
func cmdMigrate(ctx context.Context, g globals, args []string) error {
	if err := subcommandFlags("migrate", &g).Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	db, applied, err := openDB(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	v, err := db.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if applied == 0 {
		fmt.Fprintf(g.stdout, "%s is up to date at schema version %d\n", cfg.Storage.Path, v)
	} else {
		fmt.Fprintf(g.stdout, "%s: applied %d migration(s); schema version %d\n", cfg.Storage.Path, applied, v)
	}
	return db.Close()
}
