package main

import (
	"context"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/scheduler"
)

// cmdRun connects to Slack and serves until ctx ends (SIGINT/SIGTERM).
func cmdRun(ctx context.Context, g globals, args []string) error {
	if err := subcommandFlags("run", &g).Parse(args); err != nil {
		return err
	}
	cfg, err := loadConfig(g, false)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, g.stderr)

	db, applied, err := openDB(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	log.Info("database ready", "path", cfg.Storage.Path, "migrations_applied", applied)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b := bot.New(cfg.botConfig(), db, log, bot.NewMetrics(reg), scheduler.New(ctx, log))

	var srv *http.Server
	if cfg.HTTP.Addr != "" {
		if srv, err = startHTTP(cfg.HTTP.Addr, httpHandler(db, b, reg, log), log); err != nil {
			return err
		}
	}

	runErr := b.Run(ctx)
	stopHTTP(ctx, srv)
	if err := db.Close(); err != nil {
		log.Warn("close database", "err", err)
	}
	if runErr != nil {
		return runErr
	}
	log.Info("stopped")
	return nil
}
