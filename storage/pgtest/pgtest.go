// Package pgtest gives a test an empty PostgreSQL schema of its own.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	"github.com/jackc/pgx/v5"
)

// Env names the variable that holds the test server's URL.
const Env = "LIAISON_TEST_DATABASE_URL"

// Schema makes an empty schema on the PostgreSQL server named by
// LIAISON_TEST_DATABASE_URL for one test and returns a URL whose
// connections use it; the schema is dropped when the test ends. Without
// the variable the test is skipped, saying how to run it.
func Schema(t testing.TB) string {
	t.Helper()
	serverURL := os.Getenv(Env)
	if serverURL == "" {
		t.Skip("LIAISON_TEST_DATABASE_URL is not set: this test needs a PostgreSQL server " +
			"(eval \"$(scripts/test-postgres start $(mktemp -d))\" starts a throwaway one; .ci/run does)")
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "test_" + hex.EncodeToString(b)
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, serverURL)
	if err != nil {
		t.Fatalf("PostgreSQL at %s: %v", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE SCHEMA `+schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		conn, err := pgx.Connect(ctx, serverURL)
		if err != nil {
			return
		}
		defer conn.Close(ctx)
		conn.Exec(ctx, `DROP SCHEMA `+schema+` CASCADE`)
	})
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
