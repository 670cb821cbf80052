package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// healthcheck runs `liaison healthcheck` against addr and returns its
// stdout, its error and how long it took.
func healthcheck(t *testing.T, addr string) (string, error, time.Duration) {
	t.Helper()
	var out bytes.Buffer
	start := time.Now()
	err := run(context.Background(), []string{"healthcheck"}, []string{"LIAISON_HTTP_ADDR=" + addr}, &out, io.Discard)
	took := time.Since(start)
	if errors.As(err, new(usageError)) {
		t.Errorf("healthcheck failed as a usage error (exit 2), want exit 1: %v", err)
	}
	if strings.Count(out.String(), "\n") > 1 || (err != nil && strings.Contains(err.Error(), "\n")) {
		t.Errorf("healthcheck said more than one line: %q, %v", out.String(), err)
	}
	return out.String(), err, took
}

func TestHealthcheckAgainstTheRunningBot(t *testing.T) {
	fake := slackfake.New(t)
	var logs syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"run"}, fakeEnv(fake, filepath.Join(t.TempDir(), "liaison.db")), io.Discard, &logs)
	}()
	fake.WaitConnections(1)
	addr := listenAddr(t, fake, &logs)
	_, port, _ := net.SplitHostPort(addr)
	// Slack sees the socket a moment before the bot has read its hello.
	fake.WaitFor("the bot to report its socket connected", func() bool {
		code, _ := getHealth(t, addr)
		return code == http.StatusOK
	})

	// A listener on every interface is asked on 127.0.0.1.
	for _, a := range []string{addr, ":" + port, "0.0.0.0:" + port, "[::]:" + port} {
		out, err, took := healthcheck(t, a)
		want := "healthy: http://127.0.0.1:" + port + `/healthz answered 200 OK {"status":"ok","db":"ok","slack":"connected"}` + "\n"
		if err != nil || out != want {
			t.Errorf("healthcheck %s = %q, %v; want %q", a, out, err, want)
		}
		if took > 2*time.Second {
			t.Errorf("healthcheck took %v", took)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	_, err, took := healthcheck(t, addr)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || took > 2*time.Second {
		t.Errorf("healthcheck after the bot stopped = %v in %v, want connection refused at once", err, took)
	}
}

// connection is a bot's socket, up or down.
type connection bool

func (c connection) Connected() bool { return bool(c) }

func TestHealthcheckFailsOn503(t *testing.T) {
	db := openBot(t, filepath.Join(t.TempDir(), "liaison.db"))
	srv := httptest.NewServer(httpHandler(db, connection(false), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), nil))
	defer srv.Close()
	addr := strings.TrimPrefix(srv.URL, "http://")
	_, err, _ := healthcheck(t, addr)
	want := "unhealthy: http://" + addr + `/healthz answered 503 Service Unavailable {"status":"unavailable","db":"ok","slack":"disconnected"}`
	if err == nil || err.Error() != want {
		t.Errorf("healthcheck = %v, want %q", err, want)
	}
}

func TestHealthcheckWithNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, err, took := healthcheck(t, addr)
	if err == nil || !strings.HasPrefix(err.Error(), "unhealthy: http://"+addr+"/healthz: ") || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("healthcheck = %v, want connection refused", err)
	}
	if took > 2*time.Second {
		t.Errorf("healthcheck took %v", took)
	}
}

func TestHealthcheckGivesUpWithinTwoSeconds(t *testing.T) {
	// A listener that accepts and never answers, as a wedged process would.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	_, err, took := healthcheck(t, ln.Addr().String())
	if err == nil || !strings.Contains(err.Error(), "gave no answer within 1.5s") {
		t.Errorf("healthcheck = %v, want no answer", err)
	}
	if took >= 2*time.Second {
		t.Errorf("healthcheck took %v, want under 2s", took)
	}
}

func TestHealthcheckWithTheListenerOff(t *testing.T) {
	_, err, _ := healthcheck(t, "")
	if err == nil || !strings.Contains(err.Error(), "http.addr is empty") {
		t.Errorf("healthcheck = %v", err)
	}
}

func TestHealthAndMetricsNeedNoRoadmapToken(t *testing.T) {
	db := openBot(t, filepath.Join(t.TempDir(), "liaison.db"))
	cfg := DefaultConfig()
	cfg.Roadmap.Enabled, cfg.Roadmap.Token = true, "a-long-roadmap-token-0123"
	road := roadmapServer(cfg, db, slog.New(slog.DiscardHandler))
	srv := httptest.NewServer(httpHandler(db, connection(true), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), road))
	defer srv.Close()
	for path, want := range map[string]int{"/healthz": 200, "/metrics": 200, "/roadmap": 401, "/roadmap.json": 401} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET %s without the token = %d, want %d", path, resp.StatusCode, want)
		}
	}
	if roadmapServer(DefaultConfig(), db, slog.New(slog.DiscardHandler)) != nil {
		t.Errorf("the roadmap is on by default")
	}
}
