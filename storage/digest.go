package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// Subscription is a scheduled digest for a channel.
type Subscription struct {
	ID         int64
	Name       string
	Channel    string
	Schedule   string
	Timezone   string
	Filter     backlog.DigestFilter
	SkipEmpty  bool
	CatchUp    time.Duration
	TriageDays int
	NoChart    bool   // no trend chart in the digest's thread
	Origin     string // "config" or "slack"
	CreatedBy  string
	CreatedAt  time.Time
}

func joinList(l []string) string { return strings.Join(l, ",") }

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

const subscriptionColumns = `id, name, channel, schedule, timezone, kinds, labels_any, labels_all, labels_none,
	skip_empty, catch_up_seconds, triage_days, no_chart, origin, created_by, created_at`

func scanSubscription(row interface{ Scan(...any) error }) (Subscription, error) {
	var s Subscription
	var kinds, anyL, allL, noneL, created string
	var catchUp int64
	err := row.Scan(&s.ID, &s.Name, &s.Channel, &s.Schedule, &s.Timezone, &kinds, &anyL, &allL, &noneL,
		&s.SkipEmpty, &catchUp, &s.TriageDays, &s.NoChart, &s.Origin, &s.CreatedBy, &created)
	if err != nil {
		return s, err
	}
	for _, k := range splitList(kinds) {
		s.Filter.Kinds = append(s.Filter.Kinds, backlog.Kind(k))
	}
	s.Filter.Any, s.Filter.All, s.Filter.None = splitList(anyL), splitList(allL), splitList(noneL)
	s.CatchUp = time.Duration(catchUp) * time.Second
	s.CreatedAt, err = parseTime(created)
	return s, err
}

func kindList(ks []backlog.Kind) string {
	var out []string
	for _, k := range ks {
		out = append(out, string(k))
	}
	return joinList(out)
}

// subscriptionValues are s's values for the columns channel through
// no_chart, in subscriptionColumns' order: what scanSubscription reads back.
func subscriptionValues(s Subscription) []any {
	return []any{s.Channel, s.Schedule, s.Timezone, kindList(s.Filter.Kinds), joinList(s.Filter.Any),
		joinList(s.Filter.All), joinList(s.Filter.None), s.SkipEmpty, int64(s.CatchUp / time.Second), s.TriageDays, s.NoChart}
}

// ReconcileSubscriptions makes the config file's subscriptions (origin
// "config") exactly subs, matched by name: new ones are added, changed ones
// updated (keeping their run history), removed ones deleted. Subscriptions
// made in Slack are left alone.
func (db *DB) ReconcileSubscriptions(ctx context.Context, subs []Subscription) error {
	now := formatTime(db.Now())
	return db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		keep := map[string]bool{}
		for _, s := range subs {
			keep[s.Name] = true
			_, err := tx.ExecContext(ctx, `
				INSERT INTO digest_subscriptions (name, channel, schedule, timezone, kinds, labels_any, labels_all,
					labels_none, skip_empty, catch_up_seconds, triage_days, no_chart, origin, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'config', ?)
				ON CONFLICT (name) DO UPDATE SET channel = excluded.channel, schedule = excluded.schedule,
					timezone = excluded.timezone, kinds = excluded.kinds, labels_any = excluded.labels_any,
					labels_all = excluded.labels_all, labels_none = excluded.labels_none,
					skip_empty = excluded.skip_empty, catch_up_seconds = excluded.catch_up_seconds,
					triage_days = excluded.triage_days, no_chart = excluded.no_chart
				WHERE digest_subscriptions.origin = 'config'`,
				append(append([]any{s.Name}, subscriptionValues(s)...), now)...)
			if err != nil {
				return fmt.Errorf("reconcile subscription %s: %w", s.Name, err)
			}
		}
		names, err := queryStrings(ctx, tx, `SELECT name FROM digest_subscriptions WHERE origin = 'config'`)
		if err != nil {
			return err
		}
		for _, n := range names {
			if keep[n] {
				continue
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM digest_subscriptions WHERE name = ?`, n); err != nil {
				return err
			}
		}
		return nil
	})
}

// AddSubscription stores a subscription made in Slack and returns it with
// its id; its name is "slack-<id>".
func (db *DB) AddSubscription(ctx context.Context, s Subscription) (Subscription, error) {
	now := db.Now()
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		err := tx.QueryRowContext(ctx, `
			INSERT INTO digest_subscriptions (name, channel, schedule, timezone, kinds, labels_any, labels_all,
				labels_none, skip_empty, catch_up_seconds, triage_days, no_chart, origin, created_by, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'slack', ?, ?) RETURNING id`,
			append(append([]any{fmt.Sprintf("pending-%d", now.UnixNano())}, subscriptionValues(s)...), s.CreatedBy, formatTime(now))...).Scan(&s.ID)
		if err != nil {
			return err
		}
		s.Name = fmt.Sprintf("slack-%d", s.ID)
		_, err = tx.ExecContext(ctx, `UPDATE digest_subscriptions SET name = ? WHERE id = ?`, s.Name, s.ID)
		return err
	})
	if err != nil {
		return Subscription{}, fmt.Errorf("add subscription: %w", err)
	}
	s.Origin, s.CreatedAt = "slack", now.UTC().Truncate(time.Microsecond)
	return s, nil
}

// RemoveSubscription deletes subscription id (and its run history).
func (db *DB) RemoveSubscription(ctx context.Context, id int64) (Subscription, error) {
	s, err := scanSubscription(db.read.QueryRowContext(ctx, `SELECT `+subscriptionColumns+` FROM digest_subscriptions WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return s, fmt.Errorf("subscription %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return s, err
	}
	if _, err := db.exec(ctx, `DELETE FROM digest_subscriptions WHERE id = ?`, id); err != nil {
		return s, fmt.Errorf("remove subscription %d: %w", id, err)
	}
	return s, nil
}

// Subscriptions lists every subscription, oldest first.
func (db *DB) Subscriptions(ctx context.Context) ([]Subscription, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+subscriptionColumns+` FROM digest_subscriptions ORDER BY id`)
	if err != nil {
		return nil, fmt.Errorf("subscriptions: %w", err)
	}
	defer rows.Close()
	var out []Subscription
	for rows.Next() {
		s, err := scanSubscription(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// Run states of a digest period. A run posting becomes "posted", with its
// post's ts, when the outbox sends that post (trigger digest_runs_posted).
const (
	RunPosting = "posting" // recorded, its message waits in the outbox
	RunEmpty   = "empty"   // a quiet period with skip_empty: nothing posted
	RunSkipped = "skipped" // missed while down, outside the catch-up window
)

// StartRun records the period (subID, end] in state and enqueues msgs in the
// same transaction. It returns false, doing nothing, when the period was
// already recorded: that is what makes a digest exactly once.
func (db *DB) StartRun(ctx context.Context, subID int64, start, end time.Time, state string, msgs []OutboxMessage) (bool, error) {
	now := formatTime(db.Now())
	key := ""
	if len(msgs) > 0 {
		key = msgs[0].Key
	}
	var created bool
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			INSERT INTO digest_runs (subscription_id, period_start, period_end, state, outbox_key, created_at)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (subscription_id, period_end) DO NOTHING`,
			subID, formatTime(start), formatTime(end), state, key, now)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if created = n > 0; !created {
			return nil
		}
		return enqueue(ctx, tx, now, msgs)
	})
	if err != nil {
		return false, fmt.Errorf("record digest run: %w", err)
	}
	return created, nil
}

// Run is one recorded digest period.
type Run struct {
	Start, End time.Time
	State      string
	MessageTS  string
}

// LastRun returns the latest recorded period of subscription subID that was
// posted (or is being posted, or was empty); ok is false if there is none.
func (db *DB) LastRun(ctx context.Context, subID int64) (Run, bool, error) {
	return db.findRun(ctx, `
		WHERE subscription_id = ? AND state <> 'skipped'
		ORDER BY period_end DESC LIMIT 1`, subID)
}

// RunAt returns the run recorded for the period ending at end, if any.
func (db *DB) RunAt(ctx context.Context, subID int64, end time.Time) (Run, bool, error) {
	return db.findRun(ctx, `WHERE subscription_id = ? AND period_end = ?`, subID, formatTime(end))
}

// findRun reads the first digest_runs row that where (its WHERE and ORDER
// BY) picks; ok is false when there is none.
func (db *DB) findRun(ctx context.Context, where string, args ...any) (Run, bool, error) {
	var r Run
	var start, end string
	err := db.read.QueryRowContext(ctx, `SELECT period_start, period_end, state, message_ts FROM digest_runs `+where, args...).
		Scan(&start, &end, &r.State, &r.MessageTS)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, false, nil
	}
	if err != nil {
		return Run{}, false, fmt.Errorf("digest run: %w", err)
	}
	r.Start, _ = parseTime(start)
	r.End, _ = parseTime(end)
	return r, true, nil
}
