package roadmap

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// backlogDB is a migrated SQLite file in the test's temp dir.
func backlogDB(t testing.TB) *storage.DB {
	t.Helper()
	db, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "liaison.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return db
}

// add captures an item and moves it to status with labels; it returns its id.
func add(t testing.TB, db *storage.DB, kind backlog.Kind, title string, status backlog.Status, labels ...string) int64 {
	t.Helper()
	ctx := context.Background()
	res, err := db.Capture(ctx, storage.NewItem{Kind: kind, Title: title, Body: "secret body of " + title,
		Reporter: "U0BOB", Capturer: "U0BOB", Capture: backlog.CaptureSlash,
		Source: backlog.Source{Team: "T1", Channel: "C1", TS: fmt.Sprintf("%d.1", sources.Add(1))}})
	if err != nil {
		t.Fatal(err)
	}
	id := res.Item.ID
	if len(labels) > 0 {
		if _, err := db.SetLabels(ctx, id, "U0ADMIN", labels, nil); err != nil {
			t.Fatal(err)
		}
	}
	reason := ""
	if status == backlog.StatusDeclined {
		reason = "not for us"
	}
	if status != backlog.StatusNew {
		if _, _, err := db.SetStatus(ctx, id, "U0ADMIN", status, reason, nil); err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// sources numbers source messages so no two items share one.
var sources atomic.Int64

// serve runs the roadmap with cfg on db behind a test server.
func serve(t testing.TB, db *storage.DB, cfg Config) *httptest.Server {
	t.Helper()
	mux := http.NewServeMux()
	New(cfg, db, slog.New(slog.DiscardHandler)).Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// get fetches path with c and returns the status and body.
func get(t testing.TB, c *http.Client, srv *httptest.Server, path string, header ...string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// browser is a client with a cookie jar that follows redirects.
func browser(t testing.TB) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

// httptestServer wraps a test server for fixture's callers.
type httptestServer struct{ *httptest.Server }

func itoa(n int64) string { return fmt.Sprint(n) }
