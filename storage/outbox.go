package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Lanes order the outbox: within what may be sent now, a lower lane goes first.
const (
	LaneReply  = 0 // confirmations and answers to what someone just did
	LaneNotify = 1 // followers told of a change
	LaneDigest = 2 // digests and their thread continuations
)

// OutboxMessage is a Slack message to send once: to a channel (in a thread,
// optionally), only to one person in a channel, or, with a user id as the
// channel, by DM.
type OutboxMessage struct {
	Key string // unique per change and destination: enqueueing it again does nothing
	// ItemID is the item the message is about. A reply (LaneReply) about
	// an item is that item's capture confirmation: once posted, it is where
	// a +1 reaction votes (see OutboxSent).
	ItemID   int64
	Channel  string
	ThreadTS string
	Text     string
	Blocks   string // Block Kit JSON, or ""
	// ThreadOf, when set, is the key of another message: this one waits
	// until that is sent and is posted in its thread.
	ThreadOf string
	// EphemeralUser, when set, shows the message only to this person in
	// Channel (chat.postEphemeral).
	EphemeralUser string
	Lane          int
	// NotBefore, when later than now, holds the message until then (or
	// until CompleteCapture releases it).
	NotBefore time.Time
	// File, when set, makes the message a file upload (a digest's chart)
	// named FileName, with Text as its title.
	File     []byte
	FileName string
}

// PaceKey is the destination Slack's posting budget counts the message
// against: the channel, or for a message shown to one person, that person.
func (m OutboxMessage) PaceKey() string {
	if m.EphemeralUser != "" {
		return "ephemeral:" + m.EphemeralUser
	}
	return m.Channel
}

// OutboxRow is a message waiting in (or done with) the outbox.
type OutboxRow struct {
	ID       int64
	Attempts int
	OutboxMessage
}

// enqueue writes messages to the outbox inside a transaction.
func enqueue(ctx context.Context, tx *Tx, now string, msgs []OutboxMessage) error {
	for _, m := range msgs {
		var item any
		if m.ItemID != 0 {
			item = m.ItemID
		}
		due := now
		if !m.NotBefore.IsZero() {
			due = max(now, formatTime(m.NotBefore))
		}
		_, err := tx.ExecContext(ctx, `
			INSERT INTO outbox (
				key,
				item_id,
				channel,
				thread_ts,
				thread_of,
				text,
				blocks,
				ephemeral_user,
				lane,
				pace_key,
				next_attempt_at,
				created_at,
				file,
				file_name
			) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (key) DO NOTHING`,
			m.Key, item, m.Channel, m.ThreadTS, m.ThreadOf, m.Text, m.Blocks,
			m.EphemeralUser, m.Lane, m.PaceKey(), due, now, m.File, m.FileName)
		if err != nil {
			return fmt.Errorf("enqueue %s: %w", m.Key, err)
		}
	}
	return nil
}

// EnqueueUnlessRecent writes msgs unless a message whose key starts with
// prefix was enqueued within the last window; checked and written in one
// transaction, so two callers cannot both pass. When it refuses, ok is
// false and last is when that earlier message was enqueued.
func (db *DB) EnqueueUnlessRecent(ctx context.Context, prefix string, window time.Duration, msgs []OutboxMessage) (last time.Time, ok bool, err error) {
	now := db.Now()
	err = db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		last, ok = time.Time{}, false
		if tx.db.pg {
			// Two transactions would each see the other's message not yet
			// there and both enqueue. Both write one row per prefix first:
			// the second waits for the first, fails to serialise, and runs
			// again seeing its message.
			if _, err := tx.ExecContext(ctx, `INSERT INTO leases (name, holder, until) VALUES (?, '', ?)
				ON CONFLICT (name) DO UPDATE SET until = excluded.until`, "enqueue:"+prefix, formatTime(now)); err != nil {
				return err
			}
		}
		var at sql.NullString
		// Keys sort by prefix, byte by byte: the range is the unique key
		// index's. U+10FFFF is the last character there is, and valid text.
		if err := tx.QueryRowContext(ctx, `
			SELECT max(created_at) FROM outbox WHERE key >= ? AND key < ?`,
			prefix, prefix+"\U0010FFFF").Scan(&at); err != nil {
			return err
		}
		if at.Valid {
			t, err := parseTime(at.String)
			if err == nil && now.Sub(t) < window {
				last = t
				return nil
			}
		}
		ok = true
		return enqueue(ctx, tx, formatTime(now), msgs)
	})
	if err != nil {
		return time.Time{}, false, fmt.Errorf("enqueue %s: %w", prefix, err)
	}
	return last, ok, nil
}

// Enqueue writes messages to the outbox in their own transaction.
func (db *DB) Enqueue(ctx context.Context, msgs ...OutboxMessage) error {
	return db.withTx(ctx, func(ctx context.Context, tx *Tx) error { return enqueue(ctx, tx, formatTime(db.Now()), msgs) })
}

// DueOutbox returns up to limit pending messages whose time has come,
// lowest lane first, then oldest, leaving out the destinations in skip
// (busy or paced: the caller sends to each destination on its own pace).
func (db *DB) DueOutbox(ctx context.Context, limit int, skip []string) ([]OutboxRow, error) {
	now := formatTime(db.Now())
	args := []any{now}
	notIn := ""
	if len(skip) > 0 {
		notIn = "AND o.pace_key NOT IN (?" + strings.Repeat(", ?", len(skip)-1) + ")"
		for _, k := range skip {
			args = append(args, k)
		}
	}
	unclaimed, unclaimedArgs := db.unclaimed(now)
	args = append(args, unclaimedArgs...)
	rows, err := db.read.QueryContext(ctx, `
		SELECT o.id, o.attempts, o.key, coalesce(o.item_id, 0), o.channel,
		       CASE WHEN o.thread_of = '' THEN o.thread_ts ELSE p.sent_ts END,
		       o.text, o.blocks, o.ephemeral_user, o.lane, o.file, o.file_name
		FROM outbox o
		LEFT JOIN outbox p ON p.key = o.thread_of AND o.thread_of <> ''
		WHERE o.state = 'pending' AND o.next_attempt_at <= ?
		  AND (o.thread_of = '' OR p.state = 'sent')
		  `+notIn+unclaimed+`
		ORDER BY o.lane, o.next_attempt_at, o.id
		LIMIT ?`, append(args, limit)...)
	if err != nil {
		return nil, fmt.Errorf("due outbox: %w", err)
	}
	defer rows.Close()
	var out []OutboxRow
	for rows.Next() {
		var r OutboxRow
		if err := rows.Scan(&r.ID, &r.Attempts, &r.Key, &r.ItemID, &r.Channel, &r.ThreadTS,
			&r.Text, &r.Blocks, &r.EphemeralUser, &r.Lane, &r.File, &r.FileName); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// NextOutboxDue is when the earliest pending message due after after is
// due; ok is false when none is. The caller passes the time it last read
// the due messages at, so a message falling due in between is not missed.
func (db *DB) NextOutboxDue(ctx context.Context, after time.Time) (time.Time, bool, error) {
	var s sql.NullString
	query, args := `
		SELECT min(next_attempt_at) FROM outbox
		WHERE state = 'pending' AND next_attempt_at > ?`, []any{formatTime(after)}
	if db.pg {
		// A message another replica holds is due again when its claim
		// runs out (that replica died, or will send it).
		const due = `CASE WHEN claimed_by NOT IN ('', ?1) AND lease_until > next_attempt_at THEN lease_until ELSE next_attempt_at END`
		query = `SELECT min(` + due + `) FROM outbox WHERE state = 'pending' AND ` + due + ` > ?2`
		args = []any{db.replica, formatTime(after)}
	}
	err := db.read.QueryRowContext(ctx, query, args...).Scan(&s)
	if err != nil || !s.Valid {
		return time.Time{}, false, err
	}
	t, err := parseTime(s.String)
	return t, err == nil, err
}

// OutboxSent marks a message delivered, with where Slack says it landed:
// the channel chat.postMessage answered (a DM's D… id when it was sent to a
// user id; "" for an ephemeral message, which no one can react to) and its
// ts. A capture confirmation that landed in a channel or DM is recorded
// with it, in the same transaction, so a +1 on it votes (ConfirmationAt).
// A message already marked stays as it was.
func (db *DB) OutboxSent(ctx context.Context, id int64, channel, ts string) error {
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE outbox SET state = 'sent', sent_ts = ?, sent_at = ?, attempts = attempts + 1, last_error = '', file = NULL
			WHERE id = ? AND state = 'pending'`, ts, formatTime(db.Now()), id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || channel == "" || ts == "" {
			return nil
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO confirmations (
				channel,
				ts,
				thread_ts,
				item_id
			)
			SELECT ?, ?, thread_ts, item_id FROM outbox
			WHERE id = ? AND lane = ? AND item_id IS NOT NULL
			ON CONFLICT DO NOTHING`, channel, ts, id, LaneReply)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark outbox %d sent: %w", id, err)
	}
	return nil
}

// Confirmation is a posted capture confirmation: the message a +1
// reaction votes from.
type Confirmation struct {
	Channel  string
	TS       string
	ThreadTS string // the thread it is in; "" at top level
	ItemID   int64  // the item it confirmed (maybe merged since)
}

// ConfirmationAt finds the capture confirmation posted at channel and ts;
// ok is false when that message is none.
func (db *DB) ConfirmationAt(ctx context.Context, channel, ts string) (c Confirmation, ok bool, err error) {
	err = db.read.QueryRowContext(ctx, `
		SELECT thread_ts, item_id FROM confirmations WHERE channel = ? AND ts = ?`, channel, ts).
		Scan(&c.ThreadTS, &c.ItemID)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return Confirmation{}, false, nil
	case err != nil:
		return Confirmation{}, false, fmt.Errorf("confirmation at %s %s: %w", channel, ts, err)
	}
	c.Channel, c.TS = channel, ts
	return c, true, nil
}

// OutboxRetry schedules another attempt at next. counted says whether this
// failure uses up one of the message's attempts (a 429 does not).
func (db *DB) OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, counted bool) error {
	inc := 0
	if counted {
		inc = 1
	}
	_, err := db.exec(ctx, `
		UPDATE outbox SET next_attempt_at = ?, last_error = ?, attempts = attempts + ?
		WHERE id = ? AND state = 'pending'`, formatTime(next), errText, inc, id)
	if err != nil {
		return fmt.Errorf("reschedule outbox %d: %w", id, err)
	}
	return nil
}

// OutboxDead gives up on a message: it stays in the table as dead letter,
// and so do the replies that were waiting to go in its thread.
func (db *DB) OutboxDead(ctx context.Context, id int64, errText string) error {
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `
			UPDATE outbox SET state = 'dead', last_error = ?, attempts = attempts + 1
			WHERE id = ? AND state = 'pending'`, errText, id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET state = 'dead', last_error = 'the message it replies to was not delivered'
			WHERE state = 'pending' AND thread_of <> '' AND thread_of = (SELECT key FROM outbox WHERE id = ?)`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("mark outbox %d dead: %w", id, err)
	}
	return nil
}

// OutboxCounts is the number of messages in each outbox state.
type OutboxCounts struct{ Pending, Sent, Dead int }

// OutboxStats counts the outbox by state.
func (db *DB) OutboxStats(ctx context.Context) (OutboxCounts, error) {
	var c OutboxCounts
	rows, err := db.read.QueryContext(ctx, `SELECT state, count(*) FROM outbox GROUP BY state`)
	if err != nil {
		return c, fmt.Errorf("outbox stats: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			return c, err
		}
		switch state {
		case "pending":
			c.Pending = n
		case "sent":
			c.Sent = n
		case "dead":
			c.Dead = n
		}
	}
	return c, rows.Err()
}

// PruneOutbox deletes messages sent before cutoff (their keys have done
// their work: Slack redelivers for minutes, not days), except a post whose
// thread replies still wait for it. It returns how many went.
func (db *DB) PruneOutbox(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := db.exec(ctx, `
		DELETE FROM outbox
		WHERE state = 'sent' AND sent_at < ?
		  AND NOT EXISTS (SELECT 1 FROM outbox c WHERE c.state = 'pending' AND c.thread_of = outbox.key)`,
		formatTime(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune outbox: %w", err)
	}
	return res.RowsAffected()
}

// PendingOutbox counts the messages waiting to be sent.
func (db *DB) PendingOutbox(ctx context.Context) (int, error) {
	var n int
	if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE state = 'pending'`).Scan(&n); err != nil {
		return 0, fmt.Errorf("count pending outbox: %w", err)
	}
	return n, nil
}
