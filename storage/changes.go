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

// Notifier renders the outbox messages that announce a change to an item.
// It runs inside the change's transaction, so the messages commit (or not)
// with the change itself. changeID is the change's id in the item's history.
type Notifier func(it backlog.Item, followers []string, changeID int64) []OutboxMessage

// Change is one entry in an item's history: who did what, from and to
// which value, with what note, when.
type Change struct {
	Actor, Type, From, To, Note string
	At                          time.Time
}

// History returns item id's changes, oldest first.
func (db *DB) History(ctx context.Context, id int64) ([]Change, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT actor, type, from_value, to_value, note, created_at
		FROM item_changes WHERE item_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("history of #%d: %w", id, err)
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at string
		if err := rows.Scan(&c.Actor, &c.Type, &c.From, &c.To, &c.Note, &at); err != nil {
			return nil, err
		}
		c.At, _ = parseTime(at)
		out = append(out, c)
	}
	return out, rows.Err()
}

// addChange appends to an item's history and returns the change's id.
func addChange(ctx context.Context, tx *Tx, id int64, actor, typ, from, to, note, now string) (int64, error) {
	var changeID int64
	err := tx.QueryRowContext(ctx, `
		INSERT INTO item_changes (item_id, actor, type, from_value, to_value, note, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`, id, actor, typ, from, to, note, now).Scan(&changeID)
	if err != nil {
		return 0, fmt.Errorf("add %s change: %w", typ, err)
	}
	return changeID, nil
}

// touch sets an item's updated_at.
func touch(ctx context.Context, tx *Tx, id int64, now string) error {
	_, err := tx.ExecContext(ctx, `UPDATE items SET updated_at = ? WHERE id = ?`, now, id)
	return err
}

// SetStatus moves item id to status to (with a reason when declining),
// records the change, and enqueues notify's messages in the same
// transaction. It returns the item as it is now and the status it left.
func (db *DB) SetStatus(ctx context.Context, id int64, actor string, to backlog.Status, reason string, notify Notifier) (backlog.Item, backlog.Status, error) {
	now := formatTime(db.Now())
	var it backlog.Item
	var from backlog.Status
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if it, err = readItem(ctx, tx, id); err != nil {
			return err
		}
		from = it.Status
		return changeStatus(ctx, tx, &it, actor, to, reason, now, notify)
	})
	if err != nil {
		return backlog.Item{}, "", fmt.Errorf("set status of #%d: %w", id, err)
	}
	return it, from, nil
}

// changeStatus moves it to status to inside tx: the item, its history and
// notify's messages. It refuses what backlog.CheckTransition refuses.
func changeStatus(ctx context.Context, tx *Tx, it *backlog.Item, actor string, to backlog.Status, reason, now string, notify Notifier) error {
	from := it.Status
	if err := backlog.CheckTransition(from, to, reason); err != nil {
		return err
	}
	closed := any(nil)
	if !to.Open() {
		closed = now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET status = ?, updated_at = ?, closed_at = ? WHERE id = ?`,
		to, now, closed, it.ID); err != nil {
		return err
	}
	changeID, err := addChange(ctx, tx, it.ID, actor, "status", string(from), string(to), reason, now)
	if err != nil {
		return err
	}
	it.Status = to
	if notify == nil || !to.Notifies() {
		return nil
	}
	followers, err := itemFollowers(ctx, tx, it.ID)
	if err != nil {
		return err
	}
	return enqueue(ctx, tx, now, notify(*it, followers, changeID))
}

// SetScore merges RICE inputs into item id, recomputes its score and records it.
func (db *DB) SetScore(ctx context.Context, id int64, actor string, in backlog.ScoreInput) (backlog.Item, error) {
	now := formatTime(db.Now())
	var it backlog.Item
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		var err error
		if it, err = readItem(ctx, tx, id); err != nil {
			return err
		}
		it.RICE = it.RICE.Apply(in)
		r := it.RICE
		if _, err := tx.ExecContext(ctx, `
			UPDATE items SET reach = ?, impact = ?, confidence = ?, effort = ?, score = ?, updated_at = ? WHERE id = ?`,
			r.Reach, r.Impact, r.Confidence, r.Effort, r.Score, now, id); err != nil {
			return err
		}
		_, err = addChange(ctx, tx, id, actor, "score", "", formatScore(r.Score), riceNote(r), now)
		return err
	})
	if err != nil {
		return backlog.Item{}, fmt.Errorf("score #%d: %w", id, err)
	}
	return it, nil
}

func formatScore(s *float64) string {
	if s == nil {
		return ""
	}
	return fmt.Sprint(*s)
}

// riceNote is "reach=500 impact=2 confidence=80 effort=3" with unset inputs left out.
func riceNote(r backlog.RICE) string {
	var parts []string
	for _, p := range []struct {
		name string
		v    *float64
	}{{"reach", r.Reach}, {"impact", r.Impact}, {"confidence", r.Confidence}, {"effort", r.Effort}} {
		if p.v != nil {
			parts = append(parts, fmt.Sprintf("%s=%v", p.name, *p.v))
		}
	}
	return strings.Join(parts, " ")
}

// UnknownLabels returns those of labels no item carries yet.
func (db *DB) UnknownLabels(ctx context.Context, labels []string) ([]string, error) {
	var out []string
	for _, l := range labels {
		var one int
		err := db.read.QueryRowContext(ctx, `SELECT 1 FROM item_labels WHERE label = ? LIMIT 1`, l).Scan(&one)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			out = append(out, l)
		case err != nil:
			return nil, fmt.Errorf("look up label %q: %w", l, err)
		}
	}
	return out, nil
}

// SetLabels adds and removes labels on item id and returns the item.
func (db *DB) SetLabels(ctx context.Context, id int64, actor string, add, remove []string) (backlog.Item, error) {
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := mustExist(ctx, tx, id); err != nil {
			return err
		}
		for _, l := range add {
			added, err := addLabel(ctx, tx, id, l)
			if err != nil {
				return err
			}
			if added {
				if _, err := addChange(ctx, tx, id, actor, "label", "", "+"+l, "", now); err != nil {
					return err
				}
			}
		}
		for _, l := range remove {
			res, err := tx.ExecContext(ctx, `DELETE FROM item_labels WHERE item_id = ? AND label = ?`, id, l)
			if err != nil {
				return err
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if _, err := addChange(ctx, tx, id, actor, "label", "", "-"+l, "", now); err != nil {
					return err
				}
			}
		}
		return touch(ctx, tx, id, now)
	})
	if err != nil {
		return backlog.Item{}, fmt.Errorf("label #%d: %w", id, err)
	}
	return db.Item(ctx, id)
}

// setField changes one text column of item id and records it as a change of typ.
func (db *DB) setField(ctx context.Context, id int64, actor, column, typ, value string) (backlog.Item, error) {
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		return setColumn(ctx, tx, id, actor, column, typ, value, now)
	})
	if err != nil {
		return backlog.Item{}, fmt.Errorf("%s #%d: %w", typ, id, err)
	}
	return db.Item(ctx, id)
}

// setColumn is setField inside tx.
func setColumn(ctx context.Context, tx *Tx, id int64, actor, column, typ, value, now string) error {
	var old string
	err := tx.QueryRowContext(ctx, `SELECT `+column+` FROM items WHERE id = ?`, id).Scan(&old)
	if errors.Is(err, sql.ErrNoRows) {
		return noItem(id)
	}
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE items SET `+column+` = ?, updated_at = ? WHERE id = ?`, value, now, id); err != nil {
		return err
	}
	_, err = addChange(ctx, tx, id, actor, typ, old, value, "", now)
	return err
}

// Assign sets item id's assignee (a user id; "" unassigns).
func (db *DB) Assign(ctx context.Context, id int64, actor, user string) (backlog.Item, error) {
	return db.setField(ctx, id, actor, "assignee", "assign", user)
}

// Comment adds a comment to item id's history.
func (db *DB) Comment(ctx context.Context, id int64, actor, text string) error {
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := mustExist(ctx, tx, id); err != nil {
			return err
		}
		if _, err := addChange(ctx, tx, id, actor, "comment", "", "", text, now); err != nil {
			return err
		}
		return touch(ctx, tx, id, now)
	})
	if err != nil {
		return fmt.Errorf("comment on #%d: %w", id, err)
	}
	return nil
}

// Unvote removes user's vote from item id and reports whether there was one.
// They keep following it.
func (db *DB) Unvote(ctx context.Context, id int64, user string) (bool, error) {
	return db.remove(ctx, id, user, "item_votes", "unvoted")
}

// Unfollow stops user following item id and reports whether they did.
func (db *DB) Unfollow(ctx context.Context, id int64, user string) (bool, error) {
	return db.remove(ctx, id, user, "item_followers", "unfollowed")
}

func (db *DB) remove(ctx context.Context, id int64, user, table, typ string) (bool, error) {
	now := formatTime(db.Now())
	var removed bool
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := mustExist(ctx, tx, id); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE item_id = ? AND "user" = ?`, id, user)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		if removed = n > 0; !removed {
			return nil
		}
		_, err = addChange(ctx, tx, id, user, typ, "", "", "", now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("%s #%d: %w", typ, id, err)
	}
	return removed, nil
}
