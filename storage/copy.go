package storage

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// copied are the tables CopyTo moves, in an order that keeps every
// foreign key whole, with the columns both backends share and the order
// rows are copied in (votes and follows in the order they came, which
// PostgreSQL numbers as it inserts). What either backend derives is not
// copied but made again on the way in: vote counts and label_ranks by
// triggers, item_counts from the items, the search columns by PostgreSQL.
var copied = []struct{ table, columns, order string }{
	{"items", `id, kind, status, title, body, reporter, capturer, capture, source_team, source_channel, source_ts,
		source_thread_ts, permalink, assignee, tracker_url, reach, impact, confidence, effort, score, duplicate_of,
		created_at, updated_at, closed_at`, "id"},
	{"item_labels", "item_id, label", "item_id, label"},
	{"item_votes", `item_id, "user", created_at`, "rowid"},
	{"item_followers", `item_id, "user", created_at`, "rowid"},
	{"item_changes", "id, item_id, actor, type, from_value, to_value, note, created_at", "id"},
	{"processed_events", "event_id, processed_at", "event_id"},
	{"confirmations", "channel, ts, thread_ts, item_id", "channel, ts"},
	{"digest_subscriptions", `id, name, channel, schedule, timezone, kinds, labels_any, labels_all, labels_none,
		skip_empty, catch_up_seconds, triage_days, origin, created_by, created_at, no_chart`, "id"},
	{"digest_runs", "id, subscription_id, period_start, period_end, state, outbox_key, message_ts, created_at", "id"},
	{"outbox", `id, key, item_id, channel, thread_ts, text, blocks, state, attempts, next_attempt_at, last_error,
		sent_ts, created_at, sent_at, thread_of, lane, ephemeral_user, pace_key, file, file_name`, "id"},
	{"tracker_links", "item_id, tracker, repo, number, pull, url, etag, seen, checked_at, problem", "item_id"},
	{"tracker_filings", "item_id, tracker, started_at", "item_id"},
}

// ErrNotEmpty is CopyTo refusing a target that already holds items.
var ErrNotEmpty = errors.New("the target database already holds items")

// CopyTo copies everything in db (SQLite) into dst (PostgreSQL, migrated
// and empty) in one transaction: items with their ids, votes, follows,
// labels and history, the ledger, the outbox, digests and tracker links.
// It returns how many rows it copied by table. A target that holds items
// is refused with ErrNotEmpty; a failure copies nothing.
func (db *DB) CopyTo(ctx context.Context, dst *DB) (map[string]int, error) {
	if db.pg || !dst.pg {
		return nil, errors.New("copy: from SQLite to PostgreSQL only")
	}
	// One read transaction: the copy is the source as of one commit.
	src, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	defer src.Rollback()
	var counts map[string]int
	err = dst.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		counts = map[string]int{}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return ErrNotEmpty
		}
		// Clear what a bot that ran on the target may have written (its
		// config digests), so ids and names come over as they were.
		for i := len(copied) - 1; i >= 0; i-- {
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+copied[i].table); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM item_counts`); err != nil {
			return err
		}
		for _, c := range copied {
			k, err := copyTable(ctx, src, tx, c.table, c.columns, c.order)
			if err != nil {
				return fmt.Errorf("copy %s: %w", c.table, err)
			}
			counts[c.table] = k
		}
		for _, t := range []string{"items", "item_changes", "digest_subscriptions", "digest_runs", "outbox"} {
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('`+t+`', 'id'), coalesce((SELECT max(id) FROM `+t+`), 0) + 1, false)`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return counts, nil
}

// copyBatch is how many rows one INSERT carries.
const copyBatch = 200

// copyTable copies one table's rows from src to dst, copyBatch at a time.
func copyTable(ctx context.Context, src, dst *Tx, table, columns, order string) (int, error) {
	rows, err := src.QueryContext(ctx, `SELECT `+columns+` FROM `+table+` ORDER BY `+order)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	width := len(strings.Split(columns, ","))
	one := "(" + strings.TrimSuffix(strings.Repeat("?, ", width), ", ") + ")"
	var batch []any
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		k := len(batch) / width
		_, err := dst.ExecContext(ctx, `INSERT INTO `+table+` (`+columns+`) VALUES `+strings.TrimSuffix(strings.Repeat(one+", ", k), ", "), batch...)
		batch = batch[:0]
		return err
	}
	for rows.Next() {
		vals := make([]any, width)
		ptrs := make([]any, width)
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return n, err
		}
		batch = append(batch, vals...)
		n++
		if n%copyBatch == 0 {
			if err := flush(); err != nil {
				return n, err
			}
		}
	}
	if err := rows.Err(); err != nil {
		return n, err
	}
	return n, flush()
}
