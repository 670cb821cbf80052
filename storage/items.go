package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/liaisonbot/liaison/backlog"
)

// ErrNotFound means no item has the number asked for.
var ErrNotFound = errors.New("not found")

// NewItem is a capture to store.
type NewItem struct {
	Kind     backlog.Kind
	Title    string
	Body     string
	Reporter string // author of the captured message
	Capturer string // the person acting
	Capture  backlog.Capture
	Source   backlog.Source
	Labels   []string
	// EventID, when set, is recorded in the processed-events ledger in the
	// same transaction, so a redelivery is recognised exactly when the
	// capture is durable.
	EventID string
	// Confirm, when set, renders the messages that confirm the capture;
	// they are enqueued in the capture's own transaction.
	Confirm func(CaptureResult) []OutboxMessage
}

// CaptureResult says what Capture did.
type CaptureResult struct {
	Item       backlog.Item
	Created    bool  // false: the source message was already an item
	NewVoter   bool  // the capturer's +1 was added now
	MergedFrom int64 // the message's item was merged: Item is where it went
}

// Capture stores a new item, or — when its source message is already an
// item — adds the capturer as a voter and follower of that one. The reporter
// is the first voter; reporter and capturer both follow. The item, its
// "created" change and the ledger entry commit together.
func (db *DB) Capture(ctx context.Context, n NewItem) (CaptureResult, error) {
	now := formatTime(db.Now())
	var res CaptureResult
	var id int64
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		res = CaptureResult{}
		if n.Source.TS != "" {
			err := tx.QueryRowContext(ctx,
				// source_ts <> '' lets SQLite use the partial unique index.
				`SELECT id FROM items WHERE source_team = ? AND source_channel = ? AND source_ts = ? AND source_ts <> ''`,
				n.Source.Team, n.Source.Channel, n.Source.TS).Scan(&id)
			switch {
			case err == nil:
				// A merged item's demand belongs to the item it was merged into.
				target, err := resolveDuplicate(ctx, tx, id)
				if err != nil {
					return err
				}
				if target != id {
					res.MergedFrom, id = id, target
				}
				added, err := addVoter(ctx, tx, id, n.Capturer, now)
				if err != nil {
					return err
				}
				res.NewVoter = added
				return finishCapture(ctx, tx, n, &res, id, now)
			case !errors.Is(err, sql.ErrNoRows):
				return fmt.Errorf("look up source: %w", err)
			}
		}
		err := tx.QueryRowContext(ctx, `
			INSERT INTO items (
				kind,
				status,
				title,
				body,
				reporter,
				capturer,
				capture,
				source_team,
				source_channel,
				source_ts,
				source_thread_ts,
				permalink,
				created_at,
				updated_at
			) VALUES (?, 'new', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			RETURNING id`,
			n.Kind, n.Title, n.Body, n.Reporter, n.Capturer, n.Capture,
			n.Source.Team, n.Source.Channel, n.Source.TS, n.Source.ThreadTS, n.Source.Permalink,
			now, now).Scan(&id)
		if isUnique(err) {
			return fmt.Errorf("insert item: source already captured: %w", err)
		}
		if err != nil {
			return fmt.Errorf("insert item: %w", err)
		}
		res.Created = true
		voters := []string{n.Reporter}
		if n.Capturer != n.Reporter {
			voters = append(voters, n.Capturer)
		}
		for _, u := range voters {
			added, err := addVoter(ctx, tx, id, u, now)
			if err != nil {
				return err
			}
			if u == n.Capturer && u != n.Reporter {
				res.NewVoter = added
			}
		}
		for _, l := range n.Labels {
			if _, err := addLabel(ctx, tx, id, l); err != nil {
				return err
			}
		}
		if _, err := addChange(ctx, tx, id, n.Capturer, "created", "", string(backlog.StatusNew), string(n.Capture), now); err != nil {
			return err
		}
		return finishCapture(ctx, tx, n, &res, id, now)
	})
	if err != nil {
		return CaptureResult{}, fmt.Errorf("capture: %w", err)
	}
	return res, nil
}

// finishCapture reads the captured item into res, records the delivery in
// the event ledger and enqueues the confirmation, all in the capture's tx.
func finishCapture(ctx context.Context, tx *Tx, n NewItem, res *CaptureResult, id int64, now string) error {
	it, err := readItem(ctx, tx, id)
	if err != nil {
		return err
	}
	res.Item = it
	if n.EventID != "" {
		if err := markEvent(ctx, tx, n.EventID, now); err != nil {
			return fmt.Errorf("record event %s: %w", n.EventID, err)
		}
	}
	if n.Confirm == nil {
		return nil
	}
	return enqueue(ctx, tx, now, n.Confirm(*res))
}

// addVoter adds user's vote and follow (both idempotent) and reports
// whether the vote is new. A new vote is a change in the item's history.
func addVoter(ctx context.Context, tx *Tx, id int64, user, now string) (bool, error) {
	if user == "" {
		return false, nil
	}
	res, err := tx.ExecContext(ctx,
		`INSERT INTO item_votes (item_id, "user", created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, user, now)
	if err != nil {
		return false, fmt.Errorf("add vote: %w", err)
	}
	n, _ := res.RowsAffected()
	if _, err := addFollower(ctx, tx, id, user, now); err != nil {
		return false, err
	}
	if n == 0 {
		return false, nil
	}
	if _, err := addChange(ctx, tx, id, user, "voted", "", "", "", now); err != nil {
		return false, err
	}
	return true, nil
}

// addFollower makes user a follower of item id and reports whether that is
// new; following twice is a no-op.
func addFollower(ctx context.Context, tx *Tx, id int64, user, now string) (bool, error) {
	res, err := tx.ExecContext(ctx,
		`INSERT INTO item_followers (item_id, "user", created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING`, id, user, now)
	if err != nil {
		return false, fmt.Errorf("add follower: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// addLabel puts label on item id and reports whether it was not there yet.
func addLabel(ctx context.Context, tx *Tx, id int64, label string) (bool, error) {
	res, err := tx.ExecContext(ctx, `INSERT INTO item_labels (item_id, label) VALUES (?, ?) ON CONFLICT DO NOTHING`, id, label)
	if err != nil {
		return false, fmt.Errorf("add label: %w", err)
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// isConstraint reports whether err is the SQLite extended error code.
// isUnique reports whether err is a UNIQUE constraint refusing a row, on either backend.
func isUnique(err error) bool {
	return isConstraint(err, sqlite3.SQLITE_CONSTRAINT_UNIQUE) || uniqueViolation(err)
}

func isConstraint(err error, code int) bool {
	se, ok := errors.AsType[*sqlite.Error](err)
	return ok && se.Code() == code
}

// itemColumns are the columns scanItem reads, in order, qualified by the
// items table's alias "i".
const itemColumns = `
	i.id,
	i.kind,
	i.status,
	i.title,
	i.body,
	i.reporter,
	i.capturer,
	i.capture,
	i.source_team,
	i.source_channel,
	i.source_ts,
	i.source_thread_ts,
	i.permalink,
	i.assignee,
	i.tracker_url,
	i.vote_count,
	i.reach,
	i.impact,
	i.confidence,
	i.effort,
	i.score,
	coalesce(i.duplicate_of, 0),
	i.created_at,
	i.updated_at`

// scanItem reads one row of itemColumns followed by the extra columns.
func scanItem(row interface{ Scan(...any) error }, extra ...any) (backlog.Item, error) {
	var it backlog.Item
	var created, updated string
	dest := []any{&it.ID, &it.Kind, &it.Status, &it.Title, &it.Body, &it.Reporter, &it.Capturer, &it.Capture,
		&it.Source.Team, &it.Source.Channel, &it.Source.TS, &it.Source.ThreadTS, &it.Source.Permalink,
		&it.Assignee, &it.TrackerURL, &it.Votes,
		&it.RICE.Reach, &it.RICE.Impact, &it.RICE.Confidence, &it.RICE.Effort, &it.RICE.Score,
		&it.DuplicateOf, &created, &updated}
	if err := row.Scan(append(dest, extra...)...); err != nil {
		return it, err
	}
	var err error
	if it.CreatedAt, err = parseTime(created); err != nil {
		return it, fmt.Errorf("item %d created_at: %w", it.ID, err)
	}
	if it.UpdatedAt, err = parseTime(updated); err != nil {
		return it, fmt.Errorf("item %d updated_at: %w", it.ID, err)
	}
	return it, nil
}

// scanItems reads every row of itemColumns and closes rows.
func scanItems(rows *sql.Rows) ([]backlog.Item, error) {
	defer rows.Close()
	var out []backlog.Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// Item returns item id with its labels, or ErrNotFound.
func (db *DB) Item(ctx context.Context, id int64) (backlog.Item, error) {
	return readItem(ctx, db.read, id)
}

// readItem reads item id with its labels, from the read pool or inside a
// write transaction, or returns ErrNotFound.
func readItem(ctx context.Context, q querier, id int64) (backlog.Item, error) {
	it, err := scanItem(q.QueryRowContext(ctx, `SELECT `+itemColumns+` FROM items i WHERE i.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return backlog.Item{}, noItem(id)
	}
	if err != nil {
		return backlog.Item{}, fmt.Errorf("item #%d: %w", id, err)
	}
	if it.Labels, err = queryStrings(ctx, q, `SELECT label FROM item_labels WHERE item_id = ? ORDER BY label`, id); err != nil {
		return backlog.Item{}, fmt.Errorf("labels of #%d: %w", id, err)
	}
	return it, nil
}

// noItem is the error for an item number that no item has.
func noItem(id int64) error { return fmt.Errorf("item #%d: %w", id, ErrNotFound) }

// Followers lists the users who follow item id, in the order they started.
func (db *DB) Followers(ctx context.Context, id int64) ([]string, error) {
	return itemFollowers(ctx, db.read, id)
}

// itemFollowers lists item id's followers, from the read pool or inside a
// write transaction.
func itemFollowers(ctx context.Context, q querier, id int64) ([]string, error) {
	return queryStrings(ctx, q, `SELECT "user" FROM item_followers WHERE item_id = ? ORDER BY rowid`, id)
}

// querier is the read pool or a write transaction.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// queryStrings runs a one-column query; no rows is an empty slice.
func queryStrings(ctx context.Context, q querier, query string, args ...any) ([]string, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// CaptureFollowUp is what is learnt about a capture after its ack.
type CaptureFollowUp struct {
	Item      int64
	Permalink string // "" when Slack did not give one
	// Confirm is the key of the confirmation held in the outbox, released
	// now with its final Text and Blocks; "" for none.
	Confirm      string
	Text, Blocks string
}

// CompleteCapture indexes the new item's title for similar items, records
// the source message's permalink and releases the held confirmation (in
// its place, as if never held, if it has not gone out yet), in one write.
func (db *DB) CompleteCapture(ctx context.Context, f CaptureFollowUp) error {
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := indexPendingTitle(ctx, tx, f.Item); err != nil {
			return err
		}
		if f.Permalink != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE items SET permalink = ? WHERE id = ? AND permalink = ''`, f.Permalink, f.Item); err != nil {
				return fmt.Errorf("set permalink: %w", err)
			}
		}
		if f.Confirm == "" {
			return nil
		}
		_, err := tx.ExecContext(ctx, `
			UPDATE outbox SET text = ?, blocks = ?, next_attempt_at = CASE WHEN created_at < next_attempt_at THEN created_at ELSE next_attempt_at END
			WHERE key = ? AND state = 'pending' AND attempts = 0`, f.Text, f.Blocks, f.Confirm)
		if err != nil {
			return fmt.Errorf("release confirmation: %w", err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("complete capture #%d: %w", f.Item, err)
	}
	return nil
}

// Vote adds user's +1 to item id (and makes them a follower); a vote for a
// merged item goes to the item it was merged into. It returns the item that
// got the vote and whether the vote is new; voting twice counts once.
func (db *DB) Vote(ctx context.Context, id int64, user string) (int64, bool, error) {
	var added bool
	target := id
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if target, err = resolveDuplicate(ctx, tx, id); err != nil {
			return err
		}
		added, err = addVoter(ctx, tx, target, user, formatTime(db.Now()))
		return err
	})
	if err != nil {
		return 0, false, fmt.Errorf("vote on #%d: %w", id, err)
	}
	return target, added, nil
}

// resolveDuplicate follows duplicate_of from item id to the item that
// stands for it (id itself when it is no duplicate), or returns ErrNotFound.
// Merges never chain (Merge refuses a duplicate target and re-points the
// duplicates of what it merges), so one step is the whole way.
func resolveDuplicate(ctx context.Context, tx *Tx, id int64) (int64, error) {
	var dup int64
	err := tx.QueryRowContext(ctx, `SELECT coalesce(duplicate_of, 0) FROM items WHERE id = ?`, id).Scan(&dup)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, noItem(id)
	}
	if err != nil {
		return 0, fmt.Errorf("resolve duplicate #%d: %w", id, err)
	}
	if dup == 0 {
		return id, nil
	}
	return dup, nil
}

// Follow makes user a follower of item id and reports whether that is new.
func (db *DB) Follow(ctx context.Context, id int64, user string) (bool, error) {
	var added bool
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := mustExist(ctx, tx, id); err != nil {
			return err
		}
		var err error
		added, err = addFollower(ctx, tx, id, user, formatTime(db.Now()))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("follow #%d: %w", id, err)
	}
	return added, nil
}

// mustExist returns ErrNotFound unless item id exists.
func mustExist(ctx context.Context, tx *Tx, id int64) error {
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM items WHERE id = ?`, id).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return noItem(id)
	}
	return err
}

// Merge marks item from a duplicate of item into, moving its votes and
// followers there (without duplicates), records both sides in history, and
// enqueues notify's messages for from's followers in the same transaction.
// backlog.CheckMerge decides which merges are refused.
func (db *DB) Merge(ctx context.Context, from, into int64, actor string, notify Notifier) error {
	// The ids alone refuse a merge into itself, before any read.
	if err := backlog.CheckMerge(backlog.Item{ID: from}, backlog.Item{ID: into}); err != nil {
		return err
	}
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		src, err := readItem(ctx, tx, from)
		if err != nil {
			return err
		}
		dst, err := readItem(ctx, tx, into)
		if err != nil {
			return err
		}
		if err := backlog.CheckMerge(src, dst); err != nil {
			return err
		}
		followers, err := itemFollowers(ctx, tx, from)
		if err != nil {
			return err
		}
		for _, table := range []string{"item_votes", "item_followers"} {
			// Oldest first, so the order of votes survives the move.
			if _, err := tx.ExecContext(ctx, `
				INSERT INTO `+table+` (item_id, "user", created_at)
				SELECT CAST(? AS INTEGER), "user", created_at FROM `+table+` WHERE item_id = ? ORDER BY rowid
				ON CONFLICT DO NOTHING`, into, from); err != nil {
				return fmt.Errorf("move %s: %w", table, err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE item_id = ?`, from); err != nil {
				return fmt.Errorf("move %s: %w", table, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE items SET status = 'duplicate', duplicate_of = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
			into, now, now, from); err != nil {
			return fmt.Errorf("mark duplicate: %w", err)
		}
		// Merges never chain: what was merged into from now points at into.
		if _, err := tx.ExecContext(ctx, `UPDATE items SET duplicate_of = ?, updated_at = ? WHERE duplicate_of = ?`,
			into, now, from); err != nil {
			return fmt.Errorf("re-point duplicates: %w", err)
		}
		if err := touch(ctx, tx, into, now); err != nil {
			return err
		}
		changeID, err := addChange(ctx, tx, from, actor, "merged", string(src.Status), string(backlog.StatusDuplicate), fmt.Sprintf("into #%d", into), now)
		if err != nil {
			return err
		}
		if _, err := addChange(ctx, tx, into, actor, "merged_from", "", "", fmt.Sprintf("#%d", from), now); err != nil {
			return err
		}
		if notify == nil {
			return nil
		}
		src.Status, src.DuplicateOf = backlog.StatusDuplicate, into
		return enqueue(ctx, tx, now, notify(src, followers, changeID))
	})
	if err != nil {
		return fmt.Errorf("merge #%d into #%d: %w", from, into, err)
	}
	return nil
}

// openStatuses is the SQL list of open statuses.
var openStatuses = func() string {
	var q []string
	for _, s := range backlog.Statuses {
		if s.Open() {
			q = append(q, "'"+string(s)+"'")
		}
	}
	return strings.Join(q, ", ")
}()
