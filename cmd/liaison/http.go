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
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/liaisonbot/liaison/roadmap"
	"github.com/liaisonbot/liaison/storage"
)

// startHTTP listens on addr and serves h in the background until stopHTTP.
func startHTTP(addr string, h http.Handler, log *slog.Logger) (*http.Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("http.addr: %w (set LIAISON_HTTP_ADDR to a free host:port, or to \"\" to turn the listener off)", err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	log.Info("http listening", "addr", ln.Addr().String())
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("http server", "err", err)
		}
	}()
	return srv, nil
}

// stopHTTP shuts srv down, giving requests in flight a second even after ctx ended; nil is a no-op.
func stopHTTP(ctx context.Context, srv *http.Server) {
	if srv == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
}

// connectedness is the part of the bot the health check asks.
type connectedness interface{ Connected() bool }

// httpHandler serves /healthz and /metrics, and the roadmap page when
// road is not nil.
func httpHandler(db *storage.DB, b connectedness, reg *prometheus.Registry, log *slog.Logger, road *roadmap.Server) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /healthz", healthHandler(db, b, log))
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if road != nil {
		road.Register(mux)
	}
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
