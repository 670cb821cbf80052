package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
)

// pgConns is the size of a replica's PostgreSQL pool: enough for the
// captures in flight beside the delivery and the readers.
const pgConns = 16

// OpenPostgres connects to the PostgreSQL database at rawURL (postgres://…).
// It does not migrate; call Migrate before using the tables. Several
// processes may open the same database: that is what it is for.
func OpenPostgres(ctx context.Context, rawURL string) (*DB, error) {
	shown := RedactURL(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %s", shown, pgMessage(err))
	}
	if cfg.MaxConns < pgConns {
		cfg.MaxConns = pgConns
	}
	// Every session speaks UTC, and timestamptz values are read as UTC
	// times (pgx would read them in the host's zone).
	cfg.ConnConfig.RuntimeParams["timezone"] = "UTC"
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		c.TypeMap().RegisterType(&pgtype.Type{Name: "timestamptz", OID: pgtype.TimestamptzOID,
			Codec: &pgtype.TimestamptzCodec{ScanLocation: time.UTC}})
		return nil
	}
	p, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("open database %s: %s", shown, pgMessage(err))
	}
	sdb := stdlib.OpenDBFromPool(p)
	db := &DB{path: shown, pg: true, Now: time.Now, replica: replicaName()}
	db.write = &pool{DB: sdb, db: db}
	db.read = db.write
	if err := sdb.PingContext(ctx); err != nil {
		sdb.Close()
		p.Close()
		return nil, fmt.Errorf("open database %s: %s", shown, pgMessage(err))
	}
	db.closePool = p.Close
	return db, nil
}

// RedactURL is a database URL fit for messages and logs: its password
// replaced, or the whole URL when it does not parse.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "(a database URL that does not parse)"
	}
	q := u.Query()
	for _, k := range []string{"password", "sslpassword"} {
		if q.Has(k) {
			q.Set(k, "xxxxx")
			u.RawQuery = q.Encode()
		}
	}
	return u.Redacted()
}

// pgMessage is err without anything that could carry a password.
func pgMessage(err error) string {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Message + " (" + pe.Code + ")"
	}
	var ce *pgconn.ConnectError
	if errors.As(err, &ce) {
		if inner := errors.Unwrap(ce); inner != nil {
			// One line per address tried; the first names the problem.
			first, _, _ := strings.Cut(inner.Error(), "\n")
			return "cannot connect: " + first
		}
		return "cannot connect"
	}
	var pce *pgconn.ParseConfigError
	if errors.As(err, &pce) {
		return "not a PostgreSQL URL (postgres://user:password@host:5432/dbname)"
	}
	return err.Error()
}

// backend names the engine: sqlite or postgres.
func (db *DB) backend() string {
	if db.pg {
		return "postgres"
	}
	return "sqlite"
}

// rebound caches queries rebound for PostgreSQL, up to maxRebound of them
// (queries are the code's, but some are built for a list's length).
var (
	rebound    sync.Map // string -> string
	reboundN   atomic.Int64
	maxRebound int64 = 4096
)

// rebind turns a query written for SQLite into PostgreSQL's: ? and ?N
// parameters become $N, json_each becomes json_array_elements_text (both
// name their column value), CROSS JOIN … ON becomes JOIN, and SQLite's
// unary + before a column (which keeps its planner off an index) is
// dropped. Text in quotes is kept.
func (db *DB) rebind(q string) string {
	if db == nil || !db.pg {
		return q
	}
	if r, ok := rebound.Load(q); ok {
		return r.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\'' || c == '"':
			j := strings.IndexByte(q[i+1:], c)
			if j < 0 {
				b.WriteString(q[i:])
				i = len(q)
				continue
			}
			b.WriteString(q[i : i+j+2])
			i += j + 1
		case c == '?':
			j := i + 1
			for j < len(q) && '0' <= q[j] && q[j] <= '9' {
				j++
			}
			if j > i+1 {
				v, _ := strconv.Atoi(q[i+1 : j])
				n = max(n, v)
				b.WriteString("$" + q[i+1:j])
			} else {
				n++
				b.WriteString("$" + strconv.Itoa(n))
			}
			i = j - 1
		case c == '+' && i+1 < len(q) && isIdentStart(q[i+1]) && (i == 0 || strings.IndexByte(" \t\n(,", q[i-1]) >= 0):
			// unary plus: dropped
		case strings.HasPrefix(q[i:], "CROSS JOIN "):
			// SQLite's way to fix the join order; PostgreSQL's planner chooses.
			b.WriteString("JOIN ")
			i += len("CROSS JOIN ") - 1
		case strings.HasPrefix(q[i:], "json_each("):
			b.WriteString("json_array_elements_text(")
			i += len("json_each(") - 1
		default:
			b.WriteByte(c)
		}
	}
	r := b.String()
	if reboundN.Add(1) <= maxRebound {
		rebound.Store(q, r)
	}
	return r
}

// values are a query's arguments as PostgreSQL takes them: a bool is 0
// or 1, as SQLite stores it (flags are integer columns on both).
func (db *DB) values(args []any) []any {
	if db == nil || !db.pg {
		return args
	}
	var out []any
	for i, a := range args {
		if b, ok := a.(bool); ok {
			if out == nil {
				out = slices.Clone(args)
			}
			out[i] = boolInt(b)
		}
	}
	if out == nil {
		return args
	}
	return out
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func isIdentStart(c byte) bool { return c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

// pgTx runs fn in a REPEATABLE READ transaction, again from the start when
// PostgreSQL could not serialise it beside another (fn may run more than
// once, as withTx says). Every write sees one snapshot and a row another
// transaction changed meanwhile is a retry, never a lost update: what
// SQLite's single writer gives, across processes.
func (db *DB) pgTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := db.pgTxOnce(ctx, fn)
		// A row another transaction inserted meanwhile (a capture of the
		// same message by another replica) is seen on the next attempt.
		again := retryable(err) && attempt < 50 || uniqueViolation(err) && attempt < 2
		if !again {
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Duration(attempt%8+1) * time.Millisecond):
		}
	}
}

func (db *DB) pgTxOnce(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) (err error) {
	sqlTx, err := db.write.DB.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return fmt.Errorf("begin: %s", pgMessage(err))
	}
	tx := &Tx{Tx: sqlTx, db: db}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
		if err != nil {
			_ = sqlTx.Rollback()
		}
	}()
	if err := fn(ctx, tx); err != nil {
		return err
	}
	return sqlTx.Commit()
}

// retryable reports whether err is PostgreSQL saying "try again":
// a serialisation failure or a deadlock.
func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}

// uniqueViolation reports whether err is a unique constraint refusing a row.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505"
}

// pgSchemaVersion is the last migration applied, 0 on an empty database.
func (db *DB) pgSchemaVersion(ctx context.Context, q querier) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM liaison_schema`).Scan(&v)
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "42P01" { // no such table: nothing applied
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("read schema version: %s", pgMessage(err))
	}
	return v, nil
}

// pgMigrate applies PostgreSQL's migrations under a session advisory lock,
// so that replicas starting together migrate once: the first takes the
// lock and migrates, the others wait for it and find nothing to do.
func (db *DB) pgMigrate(ctx context.Context) (applied int, err error) {
	ms, err := readMigrations("postgres")
	if err != nil {
		return 0, err
	}
	conn, err := db.write.DB.Conn(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate: %s", pgMessage(err))
	}
	defer conn.Close()
	// One lock per schema, so databases side by side migrate apart.
	const lock = `SELECT pg_advisory_lock(hashtext('liaison migrate ' || current_schema()))`
	if _, err := conn.ExecContext(ctx, lock); err != nil {
		return 0, fmt.Errorf("migrate: take the migration lock: %s", pgMessage(err))
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtext('liaison migrate ' || current_schema()))`)
	if _, err := conn.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS liaison_schema (
		version    integer PRIMARY KEY,
		applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		return 0, fmt.Errorf("migrate: %s", pgMessage(err))
	}
	var current int
	if err := conn.QueryRowContext(ctx, `SELECT coalesce(max(version), 0) FROM liaison_schema`).Scan(&current); err != nil {
		return 0, fmt.Errorf("migrate: %s", pgMessage(err))
	}
	if latest := len(ms); current > latest {
		return 0, fmt.Errorf("database %s is at schema version %d, newer than this binary knows (%d): upgrade liaison", db.path, current, latest)
	}
	for _, m := range ms[current:] {
		tx, err := conn.BeginTx(ctx, nil)
		if err != nil {
			return applied, fmt.Errorf("migrate %s: %s", m.name, pgMessage(err))
		}
		if _, err := tx.ExecContext(ctx, m.sql); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migrate %s: %s", m.name, pgMessage(err))
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO liaison_schema (version) VALUES ($1)`, m.version); err != nil {
			tx.Rollback()
			return applied, fmt.Errorf("migrate %s: %s", m.name, pgMessage(err))
		}
		if err := tx.Commit(); err != nil {
			return applied, fmt.Errorf("migrate %s: %s", m.name, pgMessage(err))
		}
		applied++
	}
	return applied, nil
}

// pgSearch is Search on PostgreSQL: the words ($1, plain words: every one
// must match, stemmed) over the items' search column, the newest
// searchWindow matches, those whose titles hold every word first, then
// newest first, as on SQLite; $2 is the limit.
var pgSearch = `
	WITH q AS (SELECT plainto_tsquery('english', ?1) AS q),
	w AS MATERIALIZED (
		SELECT i.id FROM items i, q WHERE i.search @@ q.q
		ORDER BY i.id DESC LIMIT ` + strconv.Itoa(searchWindow) + `)
	SELECT ` + itemColumns + `
	FROM w JOIN items i ON i.id = w.id, q
	ORDER BY i.title_search @@ q.q DESC, i.id DESC LIMIT ?2`

// pgWindows are Similar's window queries on PostgreSQL, by their SQLite
// text: per distinct stem of a JSON array of words, the ids of its newest
// similarWindow items (open items by title; all items by title and body),
// with the item count and newest id on each row.
var pgWindows = map[string]string{
	titleWindows: `
		SELECT (SELECT coalesce(string_agg(CAST(id AS text), ',' ORDER BY id DESC), '') FROM (
				SELECT i.id FROM items i WHERE i.title_search @@ s.q AND i.status IN (` + openStatuses + `)
				ORDER BY i.id DESC LIMIT ` + strconv.Itoa(similarWindow) + `) x),
			(SELECT coalesce(sum(n), 0) FROM item_counts WHERE status IN (` + openStatuses + `)),
			(SELECT coalesce(max(id), 0) FROM items)
		FROM (SELECT DISTINCT plainto_tsquery('english', value) AS q FROM json_each(?)) s
		WHERE numnode(s.q) > 0`,
	bodyWindows: `
		SELECT (SELECT coalesce(string_agg(CAST(id AS text), ',' ORDER BY id DESC), '') FROM (
				SELECT i.id FROM items i WHERE i.search @@ s.q
				ORDER BY i.id DESC LIMIT ` + strconv.Itoa(similarWindow) + `) x),
			(SELECT coalesce(sum(n), 0) FROM item_counts),
			(SELECT coalesce(max(id), 0) FROM items)
		FROM (SELECT DISTINCT plainto_tsquery('english', value) AS q FROM json_each(?)) s
		WHERE numnode(s.q) > 0`,
}
