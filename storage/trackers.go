package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// TrackerActor is the actor of the changes a tracker makes.
const TrackerActor = "tracker"

// TrackerLink is the tracker issue an item follows, as last polled.
type TrackerLink struct {
	Item    int64
	Tracker string // github | jira
	Repo    string // owner/name, or the Jira project key
	Number  int
	Pull    bool
	URL     string
	ETag    string
	Seen    string    // the state of the last full answer; "" before one
	Checked time.Time // zero before the first poll
	Problem string    // this issue's last problem; "" when fine
}

// Link sets item id's tracker URL and the issue it follows there: follow
// nil for a URL Liaison does not follow. Linking the issue already
// followed keeps what was learnt of it.
func (db *DB) Link(ctx context.Context, id int64, actor, url string, follow *TrackerLink) (backlog.Item, error) {
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		if err := setColumn(ctx, tx, id, actor, "tracker_url", "link", url, now); err != nil {
			return err
		}
		if follow != nil {
			var same int
			err := tx.QueryRowContext(ctx, `
				SELECT 1 FROM tracker_links WHERE item_id = ? AND tracker = ? AND repo = ? AND number = ?`,
				id, follow.Tracker, follow.Repo, follow.Number).Scan(&same)
			if err == nil {
				return nil
			}
			if !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tracker_links WHERE item_id = ?`, id); err != nil {
			return err
		}
		if follow == nil {
			return nil
		}
		l := *follow
		l.Item, l.URL = id, url
		return addTrackerLink(ctx, tx, l)
	})
	if err != nil {
		return backlog.Item{}, fmt.Errorf("link #%d: %w", id, err)
	}
	return db.Item(ctx, id)
}

// addTrackerLink starts following l.
func addTrackerLink(ctx context.Context, tx *Tx, l TrackerLink) error {
	checked := ""
	if !l.Checked.IsZero() {
		checked = formatTime(l.Checked)
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO tracker_links (
			item_id,
			tracker,
			repo,
			number,
			pull,
			url,
			etag,
			seen,
			checked_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		l.Item, l.Tracker, l.Repo, l.Number, l.Pull, l.URL, l.ETag, l.Seen, checked)
	if err != nil {
		return fmt.Errorf("follow %s issue: %w", l.Tracker, err)
	}
	return nil
}

// TrackerLinks returns up to limit of tracker's links, those polled
// longest ago first. Merged items are left out: they follow their target.
func (db *DB) TrackerLinks(ctx context.Context, tracker string, limit int) ([]TrackerLink, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT
			l.item_id,
			l.tracker,
			l.repo,
			l.number,
			l.pull,
			l.url,
			l.etag,
			l.seen,
			l.checked_at,
			l.problem
		FROM tracker_links l JOIN items i ON i.id = l.item_id
		WHERE l.tracker = ? AND i.status <> ?
		ORDER BY l.checked_at, l.item_id
		LIMIT ?`, tracker, backlog.StatusDuplicate, limit)
	if err != nil {
		return nil, fmt.Errorf("%s links: %w", tracker, err)
	}
	defer rows.Close()
	var out []TrackerLink
	for rows.Next() {
		var l TrackerLink
		var checked string
		if err := rows.Scan(&l.Item, &l.Tracker, &l.Repo, &l.Number, &l.Pull, &l.URL, &l.ETag, &l.Seen, &checked, &l.Problem); err != nil {
			return nil, err
		}
		if checked != "" {
			l.Checked, _ = parseTime(checked)
		}
		out = append(out, l)
	}
	return out, rows.Err()
}

// UnfollowedLinks returns the items that link somewhere but follow no
// issue (imported, or linked before Liaison followed trackers), id → URL.
func (db *DB) UnfollowedLinks(ctx context.Context) (map[int64]string, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT id, tracker_url FROM items i
		WHERE tracker_url <> '' AND status <> ?
		  AND NOT EXISTS (SELECT 1 FROM tracker_links l WHERE l.item_id = i.id)`, backlog.StatusDuplicate)
	if err != nil {
		return nil, fmt.Errorf("unfollowed links: %w", err)
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var u string
		if err := rows.Scan(&id, &u); err != nil {
			return nil, err
		}
		out[id] = u
	}
	return out, rows.Err()
}

// FollowIssue starts following l for an item whose tracker URL is still l.URL,
// without a change in its history (the link was made before).
func (db *DB) FollowIssue(ctx context.Context, l TrackerLink) error {
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		var n int
		err := tx.QueryRowContext(ctx, `
			SELECT count(*) FROM items i WHERE id = ? AND tracker_url = ?
			  AND NOT EXISTS (SELECT 1 FROM tracker_links l WHERE l.item_id = i.id)`, l.Item, l.URL).Scan(&n)
		if err != nil || n == 0 {
			return err
		}
		return addTrackerLink(ctx, tx, l)
	})
	if err != nil {
		return fmt.Errorf("follow #%d: %w", l.Item, err)
	}
	return nil
}

// TrackerUpdate is what one poll learnt of one link.
type TrackerUpdate struct {
	Item int64
	URL  string // the link polled: an update for a link replaced since is dropped
	ETag string
	// Seen is the issue's state, "" when the poll learnt nothing new (a 304).
	Seen    string
	Problem string // this issue's problem, "" when fine
	// To is the status Seen asks for, "" for none; Note names the issue
	// (and is a decline's reason).
	To   backlog.Status
	Note string
	// Checked is when the tracker was asked; zero means now.
	Checked time.Time
}

// TrackerResult says what an update did.
type TrackerResult struct {
	Moved      bool           // the item moved to To
	From       backlog.Status // the status it left
	WasProblem string         // the link's problem before the update
	Unfollowed bool           // the link had been replaced: nothing done
	Item       backlog.Item   // the item after the update, when Moved
	Transition error          // a move the item's status did not allow (kept as it is)
}

// ApplyTrackerUpdate records u in one transaction with the move it makes:
// when the issue's state is new, the item moves to u.To (unless it is
// there already or cannot go there), its history names the issue, and
// notify's messages are enqueued. A state already seen moves nothing, so
// a restart between polls moves nothing twice and a move by hand stays.
// The first state seen of a newly linked issue moves the item forward
// only (a closed issue ships it; a To Do ticket leaves an item in
// progress where it is).
func (db *DB) ApplyTrackerUpdate(ctx context.Context, u TrackerUpdate, notify Notifier) (TrackerResult, error) {
	now := formatTime(db.Now())
	var res TrackerResult
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		res = TrackerResult{}
		var seen string
		err := tx.QueryRowContext(ctx, `SELECT seen, problem FROM tracker_links WHERE item_id = ? AND url = ?`,
			u.Item, u.URL).Scan(&seen, &res.WasProblem)
		if errors.Is(err, sql.ErrNoRows) {
			res.Unfollowed = true
			return nil
		}
		if err != nil {
			return err
		}
		firstSight := seen == ""
		newState := u.Seen != "" && u.Seen != seen
		if !newState {
			u.Seen = seen
		}
		checked := now
		if !u.Checked.IsZero() {
			checked = formatTime(u.Checked)
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE tracker_links SET etag = ?, seen = ?, checked_at = ?, problem = ? WHERE item_id = ?`,
			u.ETag, u.Seen, checked, u.Problem, u.Item); err != nil {
			return err
		}
		if !newState || u.To == "" {
			return nil
		}
		it, err := readItem(ctx, tx, u.Item)
		if err != nil {
			return err
		}
		if it.Status == u.To || it.Status == backlog.StatusDuplicate {
			return nil
		}
		if firstSight && u.To.Behind(it.Status) {
			// Linked to a ticket still behind the item (a To Do ticket for
			// an item in progress): the tracker did not move, so neither
			// does the item. Its next change will.
			return nil
		}
		res.From = it.Status
		if err := changeStatus(ctx, tx, &it, TrackerActor, u.To, u.Note, now, notify); err != nil {
			if _, refused := errors.AsType[*backlog.TransitionError](err); refused {
				res.Transition = err
				return nil
			}
			return err
		}
		res.Moved, res.Item = true, it
		return nil
	})
	if err != nil {
		return TrackerResult{}, fmt.Errorf("tracker update of #%d: %w", u.Item, err)
	}
	return res, nil
}

// Filing is what StartFiling found.
type Filing struct {
	Started bool   // the caller files the issue, then FinishFiling or AbandonFiling
	Linked  string // the item already follows this issue
	Other   string // the item already links to this URL, which Liaison does not follow
	Busy    bool   // another request is filing it now
}

// StartFiling claims the filing of a tracker issue for item id, unless it
// follows one already, links elsewhere, or another claim younger than
// stale is under way (an older one is taken over: its filer died).
func (db *DB) StartFiling(ctx context.Context, id int64, tracker string, stale time.Duration) (Filing, error) {
	now := db.Now()
	var f Filing
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		f = Filing{}
		it, err := readItem(ctx, tx, id)
		if err != nil {
			return err
		}
		err = tx.QueryRowContext(ctx, `SELECT url FROM tracker_links WHERE item_id = ?`, id).Scan(&f.Linked)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if it.TrackerURL != "" {
			f.Other = it.TrackerURL
			return nil
		}
		var startedAt string
		err = tx.QueryRowContext(ctx, `SELECT started_at FROM tracker_filings WHERE item_id = ?`, id).Scan(&startedAt)
		started, perr := parseTime(startedAt)
		switch {
		case err == nil && perr == nil && started.After(now.Add(-stale)):
			f.Busy = true
			return nil
		case err != nil && !errors.Is(err, sql.ErrNoRows):
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO tracker_filings (item_id, tracker, started_at) VALUES (?, ?, ?)
			ON CONFLICT (item_id) DO UPDATE SET tracker = excluded.tracker, started_at = excluded.started_at`,
			id, tracker, formatTime(now))
		f.Started = err == nil
		return err
	})
	if err != nil {
		return Filing{}, fmt.Errorf("file #%d: %w", id, err)
	}
	return f, nil
}

// FinishFiling links item id to the issue filed for it, l, and moves it to
// planned when it was new or triaged (telling its followers through
// notify), all in one transaction. It reports whether the item moved.
func (db *DB) FinishFiling(ctx context.Context, id int64, actor string, l TrackerLink, notify Notifier) (backlog.Item, bool, error) {
	now := formatTime(db.Now())
	var it backlog.Item
	var moved bool
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		moved = false
		if _, err := tx.ExecContext(ctx, `DELETE FROM tracker_filings WHERE item_id = ?`, id); err != nil {
			return err
		}
		if err := setColumn(ctx, tx, id, actor, "tracker_url", "link", l.URL, now); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM tracker_links WHERE item_id = ?`, id); err != nil {
			return err
		}
		l.Item, l.Checked = id, db.Now()
		if err := addTrackerLink(ctx, tx, l); err != nil {
			return err
		}
		var err error
		if it, err = readItem(ctx, tx, id); err != nil {
			return err
		}
		if it.Status != backlog.StatusNew && it.Status != backlog.StatusTriaged {
			return nil
		}
		moved = true
		return changeStatus(ctx, tx, &it, actor, backlog.StatusPlanned, "", now, notify)
	})
	if err != nil {
		return backlog.Item{}, false, fmt.Errorf("link #%d to its new issue: %w", id, err)
	}
	return it, moved, nil
}

// AbandonFiling gives up the claim on filing item id's issue.
func (db *DB) AbandonFiling(ctx context.Context, id int64) error {
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM tracker_filings WHERE item_id = ?`, id)
		return err
	})
	if err != nil {
		return fmt.Errorf("abandon filing #%d: %w", id, err)
	}
	return nil
}

// SourceLinks returns up to limit permalinks of where item id was asked
// for: its own source, then those of the items merged into it, oldest first.
func (db *DB) SourceLinks(ctx context.Context, id int64, limit int) ([]string, error) {
	links, err := queryStrings(ctx, db.read, `
		SELECT permalink FROM items
		WHERE (id = ? OR duplicate_of = ?) AND permalink <> ''
		ORDER BY id = ? DESC, id LIMIT ?`, id, id, id, limit)
	if err != nil {
		return nil, fmt.Errorf("source links of #%d: %w", id, err)
	}
	return links, nil
}

// TrackerCounts are how many links a tracker follows, and how many of
// them had a problem at their last poll (Unreadable: the first few items).
type TrackerCounts struct {
	Links, Problems int
	Unreadable      []int64
}

// unreadableShown is how many items with unreadable issues stats names.
const unreadableShown = 5

// TrackerStats counts the followed links by tracker.
func (db *DB) TrackerStats(ctx context.Context) (map[string]TrackerCounts, error) {
	rows, err := db.read.QueryContext(ctx, `
		SELECT tracker, count(*), count(*) FILTER (WHERE problem <> '') FROM tracker_links GROUP BY tracker`)
	if err != nil {
		return nil, fmt.Errorf("tracker stats: %w", err)
	}
	defer rows.Close()
	out := map[string]TrackerCounts{}
	for rows.Next() {
		var t string
		var c TrackerCounts
		if err := rows.Scan(&t, &c.Links, &c.Problems); err != nil {
			return nil, err
		}
		out[t] = c
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for t, c := range out {
		if c.Problems == 0 {
			continue
		}
		ids, err := queryInt64s(ctx, db.read, `SELECT item_id FROM tracker_links WHERE tracker = ? AND problem <> '' ORDER BY item_id LIMIT ?`, t, unreadableShown)
		if err != nil {
			return nil, err
		}
		c.Unreadable = ids
		out[t] = c
	}
	return out, nil
}

func queryInt64s(ctx context.Context, q querier, query string, args ...any) ([]int64, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var n int64
		if err := rows.Scan(&n); err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}
