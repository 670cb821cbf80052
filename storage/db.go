// Package storage keeps Liaison's state: in one SQLite file (the default,
// one process), or in PostgreSQL, shared by several processes (postgres.go).
// Queries are written once, for SQLite, with ? parameters; on PostgreSQL
// they are rebound (rebind), and the few that differ are chosen by
// DB.pg. An event is a Slack Events API delivery (the ledger of those
// handled); a change is an entry in an item's history.
package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// timeFormat is how times are stored: UTC, fixed width, so text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

// readers is the size of the read pool. WAL lets readers run beside the one writer.
const readers = 4

// DB is Liaison's SQLite database: one writer connection, a small read pool.
// Every write goes through one committer goroutine that runs the writes
// waiting together in one transaction (group commit): one fsync for many.
type DB struct {
	path  string // the SQLite file, or the PostgreSQL URL without its password
	pg    bool   // PostgreSQL: write and read are one pool, withTx a transaction each
	write *pool
	read  *pool

	closePool func() // PostgreSQL: closes the pgx pool under write
	replica   string // PostgreSQL: this process's name in claims and leases

	ops     chan *writeOp
	stop    chan struct{}
	stopped chan struct{}
	closing sync.Once

	// Now returns the current time; tests replace it to fix the clock.
	Now func() time.Time

	groups, writes atomic.Int64 // committed groups and the writes they held

	// Statements prepared on the writer connection, by query; the committer
	// alone touches them. want holds queries seen since the last batch.
	stmts map[string]*sql.Stmt
	want  map[string]bool
}

// maxStmts bounds the prepared statements kept for writes.
const maxStmts = 128

// Tx is a write transaction. Its Exec and Query methods reuse statements
// prepared once on the writer connection: a hot write is parsed once, not
// every time. Multi-statement SQL (migrations) goes through Tx.Tx.
type Tx struct {
	*sql.Tx
	db     *DB
	cached bool // on the SQLite committer: statements are prepared once
}

// stmt returns the prepared statement for query in this transaction, or
// nil the first time query is seen (it is prepared before the next batch).
func (tx *Tx) stmt(ctx context.Context, query string) *sql.Stmt {
	if !tx.cached {
		return nil
	}
	if s, ok := tx.db.stmts[query]; ok {
		return tx.StmtContext(ctx, s)
	}
	if len(tx.db.stmts)+len(tx.db.want) < maxStmts {
		tx.db.want[query] = true
	}
	return nil
}

// ExecContext runs a statement in the transaction.
func (tx *Tx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return tx.Tx.ExecContext(ctx, tx.db.rebind(query), tx.db.values(args)...)
}

// QueryContext runs a query in the transaction.
func (tx *Tx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return tx.Tx.QueryContext(ctx, tx.db.rebind(query), tx.db.values(args)...)
}

// QueryRowContext runs a query expected to return at most one row.
func (tx *Tx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := tx.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return tx.Tx.QueryRowContext(ctx, tx.db.rebind(query), tx.db.values(args)...)
}

// prepareWanted prepares the queries seen in the last batch, between
// batches, when the writer connection is free.
func (db *DB) prepareWanted(ctx context.Context) {
	for q := range db.want {
		if s, err := db.write.PrepareContext(ctx, q); err == nil {
			db.stmts[q] = s
		}
		delete(db.want, q)
	}
}

// writeOp is one write waiting for the committer.
type writeOp struct {
	ctx  context.Context
	fn   func(ctx context.Context, tx *Tx) error
	done chan error
}

// maxBatch bounds the writes one group commit holds.
const maxBatch = 512

// ErrClosed is returned for writes after Close.
var ErrClosed = errors.New("database closed")

// Open opens (creating if needed) the database file at path. It does not
// migrate; call Migrate before using the tables.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" {
		return nil, errors.New("open database: empty path")
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return nil, fmt.Errorf("open database %s: is a directory", path)
	}
	write, err := sql.Open("sqlite", dsn(path, "_txlock=immediate"))
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	write.SetConnMaxIdleTime(0)
	write.SetConnMaxLifetime(0)

	// query_only makes a stray write through the read pool fail loudly.
	read, err := sql.Open("sqlite", dsn(path, "_pragma=query_only(1)"))
	if err != nil {
		write.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)

	db := &DB{path: path, write: &pool{DB: write}, read: &pool{DB: read}, Now: time.Now,
		ops: make(chan *writeOp, maxBatch), stop: make(chan struct{}), stopped: make(chan struct{}),
		stmts: map[string]*sql.Stmt{}, want: map[string]bool{}}
	db.write.db, db.read.db = db, db
	go db.commitLoop()
	// The writer goes first: it creates the file and switches it to WAL.
	if err := db.write.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	if err := db.read.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	return db, nil
}

// dsn builds a modernc DSN whose pragmas reach every pooled connection.
func dsn(path, extra string) string {
	q := url.Values{}
	q.Add("_pragma", "journal_mode(WAL)")
	// FULL: a commit is on the disk when it returns, so an acked capture
	// survives a power loss. Group commit keeps the fsyncs few.
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "busy_timeout(5000)")
	q.Add("_pragma", "foreign_keys(1)")
	s := "file:" + (&url.URL{Path: path}).EscapedPath() + "?" + q.Encode()
	if extra != "" {
		s += "&" + extra
	}
	return s
}

// Close stops the committer (writes already queued are committed) and
// closes both pools. The last connection to close checkpoints the WAL.
func (db *DB) Close() error {
	if db.pg {
		err := db.write.Close()
		db.closePool()
		return err
	}
	db.closing.Do(func() {
		close(db.stop)
		<-db.stopped
	})
	return errors.Join(db.read.Close(), db.write.Close())
}

// Ping checks that the database answers a query.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.read.QueryRowContext(ctx, "SELECT 1").Scan(&one); err != nil {
		return fmt.Errorf("ping database: %w", err)
	}
	return nil
}

// withTx runs fn in a write transaction and returns once that transaction
// has committed (nil) or failed. fn runs on the committer, possibly beside
// other writes in the same transaction; its error undoes only its own work
// (see commit). fn may run more than once: it must only write through tx
// and set results its caller reads after withTx returns nil. The ctx fn is given is never cancelled, since
// an interrupted statement would roll back the whole group; a caller whose
// ctx ends while waiting gets ctx's error, and its write may still commit.
func (db *DB) withTx(ctx context.Context, fn func(ctx context.Context, tx *Tx) error) error {
	if db.pg {
		return db.pgTx(ctx, fn)
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case <-db.stop:
		return ErrClosed
	default:
	}
	select {
	case db.ops <- op:
	case <-db.stop:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-op.done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	case <-db.stopped:
		// Queued as the committer stopped: it ran, or it never will.
		select {
		case err := <-op.done:
			return err
		default:
			return ErrClosed
		}
	}
}

// CurrentTime is the time by the database's clock (Now).
func (db *DB) CurrentTime() time.Time { return db.Now() }

// Commits reports how many group commits succeeded and how many writes they held.
func (db *DB) Commits() (groups, writes int64) { return db.groups.Load(), db.writes.Load() }

// exec runs one statement as a write of its own (through the committer).
func (db *DB) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		res, err = tx.ExecContext(ctx, query, args...)
		return err
	})
	if err != nil {
		return nil, err // res may still be written by a write that outlived ctx
	}
	return res, nil
}

// commitLoop runs queued writes until Close: each round takes every write
// waiting (up to maxBatch) and commits them together.
func (db *DB) commitLoop() {
	defer close(db.stopped)
	defer func() {
		for _, s := range db.stmts {
			s.Close()
		}
	}()
	batch := make([]*writeOp, 0, maxBatch)
	for {
		batch = batch[:0]
		select {
		case op := <-db.ops:
			batch = append(batch, op)
		case <-db.stop:
			// Writes that made it into the queue still commit.
			for {
				select {
				case op := <-db.ops:
					batch = append(batch, op)
					if len(batch) == maxBatch {
						db.commit(batch)
						batch = batch[:0]
					}
				default:
					if len(batch) > 0 {
						db.commit(batch)
					}
					return
				}
			}
		}
	fill:
		for len(batch) < maxBatch {
			select {
			case op := <-db.ops:
				batch = append(batch, op)
			default:
				break fill
			}
		}
		db.commit(batch)
	}
}

// commit runs one group in one transaction. A write that fails has its
// work undone by running the group again without it (a savepoint per write
// would cost a journal page and a full-text flush each); the others commit
// together. A failed commit is every write's error.
func (db *DB) commit(batch []*writeOp) {
	pending := batch[:0:0]
	for _, op := range batch {
		if err := op.ctx.Err(); err != nil {
			op.done <- err // nobody waits for it any more
			continue
		}
		pending = append(pending, op)
	}
	for len(pending) > 0 {
		var failed int
		var opErr, err error
		pending, failed, opErr, err = db.runBatch(pending)
		if failed >= 0 {
			pending[failed].done <- opErr
			pending = append(pending[:failed:failed], pending[failed+1:]...)
			continue
		}
		if err == nil {
			db.groups.Add(1)
			db.writes.Add(int64(len(pending)))
		}
		for _, op := range pending {
			op.done <- err
		}
		return
	}
}

// runBatch runs the writes in one transaction and commits it. A write
// that fails having changed nothing is answered at once and left out of
// the returned rest. When a write fails after changing rows, runBatch
// rolls back and returns that write's index in rest and its error;
// otherwise failed is -1 and err is the commit's.
func (db *DB) runBatch(batch []*writeOp) (rest []*writeOp, failed int, opErr, err error) {
	ctx := context.Background()
	db.prepareWanted(ctx)
	sqlTx, err := db.write.DB.BeginTx(ctx, nil)
	if err != nil {
		return batch, -1, nil, fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{Tx: sqlTx, db: db, cached: true}
	for i := 0; i < len(batch); i++ {
		before, cerr := totalChanges(ctx, tx)
		err := runOp(batch[i], tx)
		if err == nil {
			continue
		}
		// Most refusals (not found, a transition not allowed) fail before
		// writing anything: answer them and go on with the group.
		if after, aerr := totalChanges(ctx, tx); cerr == nil && aerr == nil && after == before {
			batch[i].done <- err
			batch = append(batch[:i:i], batch[i+1:]...)
			i--
			continue
		}
		_ = tx.Rollback()
		return batch, i, err, nil
	}
	if err := tx.Commit(); err != nil {
		return batch, -1, nil, fmt.Errorf("commit: %w", err)
	}
	return batch, -1, nil, nil
}

// totalChanges is the number of rows the connection has changed so far.
func totalChanges(ctx context.Context, tx *Tx) (int64, error) {
	var n int64
	err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&n)
	return n, err
}

// runOp runs one write, turning a panic into its error so the committer
// (and every other write in the group) lives on.
func runOp(op *writeOp, tx *Tx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("write panicked: %v", r)
		}
	}()
	return op.fn(context.WithoutCancel(op.ctx), tx)
}

// formatTime renders t for storage.
func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

// parseTime reads a stored time: SQLite's text, or a PostgreSQL
// timestamptz, which database/sql hands over in RFC 3339. It is UTC.
func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(timeFormat, s)
	if err != nil {
		t, err = time.Parse(time.RFC3339Nano, s)
	}
	return t.UTC(), err
}

// pool is a database/sql pool whose queries are written for SQLite and
// rebound for PostgreSQL on the way through.
type pool struct {
	*sql.DB
	db *DB
}

func (p *pool) rebind(q string) string { return p.db.rebind(q) }

// QueryContext runs a query.
func (p *pool) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	return p.DB.QueryContext(ctx, p.rebind(q), p.db.values(args)...)
}

// QueryRowContext runs a query expected to return at most one row.
func (p *pool) QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row {
	return p.DB.QueryRowContext(ctx, p.rebind(q), p.db.values(args)...)
}

// ExecContext runs a statement outside any transaction.
func (p *pool) ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error) {
	return p.DB.ExecContext(ctx, p.rebind(q), p.db.values(args)...)
}

// PrepareContext prepares a statement on the pool.
func (p *pool) PrepareContext(ctx context.Context, q string) (*sql.Stmt, error) {
	return p.DB.PrepareContext(ctx, p.rebind(q))
}

// BeginTx starts a transaction whose queries are rebound like the pool's.
func (p *pool) BeginTx(ctx context.Context, opts *sql.TxOptions) (*Tx, error) {
	tx, err := p.DB.BeginTx(ctx, opts)
	if err != nil {
		return nil, err
	}
	return &Tx{Tx: tx, db: p.db}, nil
}
