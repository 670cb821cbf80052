package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
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
		ln, err := net.Listen("tcp", cfg.HTTP.Addr)
		if err != nil {
			return fmt.Errorf("http.addr: %w (set LIAISON_HTTP_ADDR to a free host:port, or to \"\" to turn the listener off)", err)
		}
		srv = &http.Server{Handler: httpHandler(db, b, reg, log), ReadHeaderTimeout: 5 * time.Second}
		log.Info("http listening", "addr", ln.Addr().String())
		go func() {
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				log.Error("http server", "err", err)
			}
		}()
	}

	runErr := b.Run(ctx)
	if srv != nil {
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		_ = srv.Shutdown(sctx)
		cancel()
	}
	if err := db.Close(); err != nil {
		log.Warn("close database", "err", err)
	}
	if runErr != nil {
		return runErr
	}
	log.Info("stopped")
	return nil
}

// connectedness is the part of the bot the health check asks.
type connectedness interface{ Connected() bool }

// httpHandler serves /healthz and /metrics.
func httpHandler(db *storage.DB, b connectedness, reg *prometheus.Registry, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthHandler(db, b, log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	return mux
}

// healthHandler answers 200 when the database answers and the socket is
// connected, 503 otherwise, with a one-line JSON body saying which.
func healthHandler(db *storage.DB, b connectedness, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		dbState, slackState, status := "ok", "connected", "ok"
		code := http.StatusOK
		if err := db.Ping(ctx); err != nil {
			log.Warn("health: database", "err", err)
			dbState, status, code = "unavailable", "unavailable", http.StatusServiceUnavailable
		}
		if !b.Connected() {
			slackState, status, code = "disconnected", "unavailable", http.StatusServiceUnavailable
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		fmt.Fprintf(w, `{"status":%q,"db":%q,"slack":%q}`+"\n", status, dbState, slackState)
	})
}
