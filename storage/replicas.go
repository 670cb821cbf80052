package storage

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"time"
)

// OutboxLease is how long a replica's claim on an outbox message lasts
// unless renewed (RenewOutboxClaim) while it is being sent; a replica
// that dies holding claims has them pass to the others once they expire.
const OutboxLease = 15 * time.Second

// replicaName names this process among the replicas sharing a database.
func replicaName() string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	rand.Read(b)
	return fmt.Sprintf("%s/%d/%s", host, os.Getpid(), hex.EncodeToString(b))
}

// busyDestination is how long a replica waits before asking again for a
// destination another replica is sending to.
const busyDestination = 250 * time.Millisecond

// errPaced is a claim refused for the destination's budget.
var errPaced = errors.New("destination paced")

// ClaimOutbox claims pending message id for this replica before it is
// sent, and spends one message of its destination's budget (Slack's rate
// per destination: rate a second, burst at once) shared by every replica.
// ok is false when another replica holds the message or another of the
// destination's, it is no longer pending, or the destination has no
// budget left; then retryAt, when set, is when to ask again. On SQLite
// (one process) every claim succeeds at once and the bot's own pacing is
// the budget.
func (db *DB) ClaimOutbox(ctx context.Context, id int64, paceKey string, rate float64, burst int) (ok bool, retryAt time.Time, err error) {
	if !db.pg {
		return true, time.Time{}, nil
	}
	now := db.Now().UTC()
	err = db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		ok, retryAt = false, time.Time{}
		// One message at a time per destination, across replicas, so
		// that its messages land in order: not while another replica
		// holds one of them.
		var elsewhere int
		if err := tx.QueryRowContext(ctx, `
			SELECT count(*) FROM outbox WHERE pace_key = ? AND state = 'pending' AND id <> ?
			  AND claimed_by NOT IN ('', ?) AND lease_until > ?`,
			paceKey, id, db.replica, formatTime(now)).Scan(&elsewhere); err != nil {
			return err
		}
		if elsewhere > 0 {
			retryAt = now.Add(busyDestination)
			return nil
		}
		res, err := tx.ExecContext(ctx, `
			UPDATE outbox SET claimed_by = ?, lease_until = ?
			WHERE id = (SELECT id FROM outbox WHERE id = ? AND state = 'pending'
			              AND (claimed_by IN ('', ?) OR lease_until < ?) FOR UPDATE SKIP LOCKED)`,
			db.replica, formatTime(now.Add(OutboxLease)), id, db.replica, formatTime(now))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || rate <= 0 {
			ok = n == 1
			return nil
		}
		// GCRA: next_at is when the destination's budget is next whole;
		// a message may go while that is at most burst-1 intervals ahead.
		interval := time.Duration(float64(time.Second) / rate)
		slack := time.Duration(max(burst-1, 0)) * interval
		if _, err := tx.ExecContext(ctx, `INSERT INTO pacing (pace_key, next_at) VALUES (?, ?) ON CONFLICT (pace_key) DO NOTHING`,
			paceKey, formatTime(now)); err != nil {
			return err
		}
		var at string
		if err := tx.QueryRowContext(ctx, `SELECT next_at FROM pacing WHERE pace_key = ? FOR UPDATE`, paceKey).Scan(&at); err != nil {
			return err
		}
		tat, err := parseTime(at)
		if err != nil {
			return err
		}
		tat = later(tat, now)
		if tat.Sub(now) > slack {
			retryAt = tat.Add(-slack)
			return errPaced // undoes the claim
		}
		if _, err := tx.ExecContext(ctx, `UPDATE pacing SET next_at = ? WHERE pace_key = ?`, formatTime(tat.Add(interval)), paceKey); err != nil {
			return err
		}
		ok = true
		return nil
	})
	if errors.Is(err, errPaced) {
		return false, retryAt, nil
	}
	if err != nil {
		return false, time.Time{}, fmt.Errorf("claim outbox %d: %w", id, err)
	}
	return ok, retryAt, nil
}

// RenewOutboxClaim extends this replica's claim on message id by another
// OutboxLease, while its send goes on. A no-op on SQLite.
func (db *DB) RenewOutboxClaim(ctx context.Context, id int64) error {
	if !db.pg {
		return nil
	}
	res, err := db.exec(ctx, `UPDATE outbox SET lease_until = ? WHERE id = ? AND claimed_by = ? AND state = 'pending'`,
		formatTime(db.Now().Add(OutboxLease)), id, db.replica)
	if err != nil {
		return fmt.Errorf("renew claim on outbox %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return fmt.Errorf("renew claim on outbox %d: no longer this replica's (sent, or its lease ran out and another took it)", id)
	}
	return nil
}

// HoldDestination keeps every replica from posting to paceKey before until
// (Slack's Retry-After on a 429). A no-op on SQLite, whose one process
// holds the destination itself.
func (db *DB) HoldDestination(ctx context.Context, paceKey string, until time.Time, rate float64, burst int) error {
	if !db.pg || rate <= 0 {
		return nil
	}
	slack := time.Duration(max(burst-1, 0)) * time.Duration(float64(time.Second)/rate)
	_, err := db.exec(ctx, `
		INSERT INTO pacing (pace_key, next_at) VALUES (?, ?)
		ON CONFLICT (pace_key) DO UPDATE SET next_at = greatest(pacing.next_at, excluded.next_at)`,
		paceKey, formatTime(until.Add(slack)))
	if err != nil {
		return fmt.Errorf("hold %s: %w", paceKey, err)
	}
	return nil
}

// TakeLease takes or renews the lease on job name for ttl and reports
// whether this replica holds it: a job that must run on one replica at a
// time (the tracker poller) runs only while it does. Another replica's
// lease passes on once it expires. On SQLite the one process always holds it.
func (db *DB) TakeLease(ctx context.Context, name string, ttl time.Duration) (bool, error) {
	if !db.pg {
		return true, nil
	}
	now := db.Now().UTC()
	res, err := db.exec(ctx, `
		INSERT INTO leases (name, holder, until) VALUES (?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, until = excluded.until
		WHERE leases.holder = excluded.holder OR leases.until < ?`,
		name, db.replica, formatTime(now.Add(ttl)), formatTime(now))
	if err != nil {
		return false, fmt.Errorf("lease %s: %w", name, err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// compactCounts folds PostgreSQL's item_counts deltas into one row per
// status and kind. Rows other transactions add meanwhile are not in this
// one's snapshot, so they are neither deleted nor counted: they stay.
func (db *DB) compactCounts(ctx context.Context) error {
	_, err := db.exec(ctx, `
		WITH d AS (DELETE FROM item_counts RETURNING status, kind, n)
		INSERT INTO item_counts (status, kind, n)
		SELECT status, kind, sum(n) FROM d GROUP BY status, kind HAVING sum(n) <> 0`)
	return err
}

// unclaimed is DueOutbox's condition on PostgreSQL, with its arguments:
// messages no other replica holds a live claim on at now.
func (db *DB) unclaimed(now string) (string, []any) {
	if !db.pg {
		return "", nil
	}
	return ` AND (o.claimed_by IN ('', ?) OR o.lease_until < ?)`, []any{db.replica, now}
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
