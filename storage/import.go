package storage

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ImportResult says what Import did.
type ImportResult struct {
	Added     int // items written
	Unchanged int // items already there with the same content, left alone
}

// ImportConflict is an item to import that the database contradicts.
type ImportConflict struct {
	Index   int    // position in the items given to Import
	Field   string // the export field (SPEC §9) that disagrees
	Problem string
}

// ImportError lists every conflict Import found; it wrote nothing.
type ImportError struct{ Conflicts []ImportConflict }

func (e *ImportError) Error() string {
	if len(e.Conflicts) == 1 {
		return "import: 1 conflict with the database"
	}
	return fmt.Sprintf("import: %d conflicts with the database", len(e.Conflicts))
}

// Import restores items as EachItem reads them, ids kept, in one
// transaction: all of them or none. An id already in the database with the
// same content (times to the second, as the export writes them) is left
// alone, so importing the same items twice changes nothing. An id there
// with other content, a new item whose source message is already another
// item, or a duplicate_of naming an item in neither the items nor the
// database is an *ImportError listing all of them, and nothing is written.
//
// Items must have distinct ids and valid kinds, statuses and labels: the
// caller validates its rows. Each new item gets what a capture and its
// follow-up would leave (full-text entry, title index, counts, label
// ranks, vote count) and one "imported" change in its history; votes and
// follows are dated at the item's creation, which the export does not
// carry, and closed_at is updated_at for a closed item.
func (db *DB) Import(ctx context.Context, items []ExportItem) (ImportResult, error) {
	now := formatTime(db.Now())
	var res ImportResult
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error {
		res = ImportResult{}
		fresh, conflicts, err := importPlan(ctx, tx, items)
		if err != nil {
			return err
		}
		if len(conflicts) > 0 {
			return &ImportError{Conflicts: conflicts}
		}
		for _, i := range fresh {
			if err := insertImported(ctx, tx, items[i], now); err != nil {
				return fmt.Errorf("import #%d: %w", items[i].Item.ID, err)
			}
		}
		// Every target exists now, whichever order the items came in.
		for _, i := range fresh {
			it := items[i].Item
			if it.DuplicateOf == 0 {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE items SET duplicate_of = ? WHERE id = ?`, it.DuplicateOf, it.ID); err != nil {
				return fmt.Errorf("import #%d: duplicate_of: %w", it.ID, err)
			}
		}
		for _, i := range fresh {
			if err := indexPendingTitle(ctx, tx, items[i].Item.ID); err != nil {
				return err
			}
		}
		res.Added, res.Unchanged = len(fresh), len(items)-len(fresh)
		if tx.db.pg && len(fresh) > 0 {
			// Ids were given: the next capture's id comes after them, as SQLite's rowid does.
			if _, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('items', 'id'), (SELECT max(id) FROM items))`); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return ImportResult{}, err
	}
	return res, nil
}

// importPlan returns the indexes of the items not in the database yet and
// every conflict with what is.
func importPlan(ctx context.Context, tx *Tx, items []ExportItem) (fresh []int, conflicts []ImportConflict, err error) {
	inFile := make(map[int64]bool, len(items))
	for _, e := range items {
		inFile[e.Item.ID] = true
	}
	for i, e := range items {
		it := e.Item
		have, err := readImported(ctx, tx, it.ID)
		switch {
		case errors.Is(err, ErrNotFound):
			fresh = append(fresh, i)
			if it.Source.TS != "" {
				var other int64
				err := tx.QueryRowContext(ctx,
					`SELECT id FROM items WHERE source_team = ? AND source_channel = ? AND source_ts = ? AND source_ts <> ''`,
					it.Source.Team, it.Source.Channel, it.Source.TS).Scan(&other)
				switch {
				case err == nil:
					conflicts = append(conflicts, ImportConflict{Index: i, Field: "source_ts",
						Problem: fmt.Sprintf("the same Slack message is already item #%d in the database; one message is one item", other)})
				case !errors.Is(err, sql.ErrNoRows):
					return nil, nil, fmt.Errorf("import #%d: look up source: %w", it.ID, err)
				}
			}
		case err != nil:
			return nil, nil, fmt.Errorf("import #%d: %w", it.ID, err)
		default:
			for _, field := range importDiff(e, have) {
				conflicts = append(conflicts, ImportConflict{Index: i, Field: field,
					Problem: fmt.Sprintf("item #%d is already in the database with a different %s; import into an empty database, or leave this item out", it.ID, field)})
			}
		}
		if d := it.DuplicateOf; d != 0 && !inFile[d] {
			if err := mustExist(ctx, tx, d); errors.Is(err, ErrNotFound) {
				conflicts = append(conflicts, ImportConflict{Index: i, Field: "duplicate_of",
					Problem: fmt.Sprintf("no item #%d in the file or the database to be a duplicate of", d)})
			} else if err != nil {
				return nil, nil, fmt.Errorf("import #%d: duplicate_of: %w", it.ID, err)
			}
		}
	}
	return fresh, conflicts, nil
}

// readImported reads item id as EachItem would, or returns ErrNotFound.
func readImported(ctx context.Context, tx *Tx, id int64) (ExportItem, error) {
	it, err := readItem(ctx, tx, id)
	if err != nil {
		return ExportItem{}, err
	}
	e := ExportItem{Item: it}
	if e.Voters, err = queryStrings(ctx, tx, `SELECT "user" FROM item_votes WHERE item_id = ? ORDER BY rowid`, id); err != nil {
		return ExportItem{}, fmt.Errorf("voters of #%d: %w", id, err)
	}
	if e.Followers, err = itemFollowers(ctx, tx, id); err != nil {
		return ExportItem{}, fmt.Errorf("followers of #%d: %w", id, err)
	}
	return e, nil
}

// importDiff names the export fields in which a and b differ.
func importDiff(a, b ExportItem) []string {
	x, y := a.Item, b.Item
	var out []string
	for _, f := range []struct {
		name string
		a, b string
	}{
		{"kind", string(x.Kind), string(y.Kind)},
		{"status", string(x.Status), string(y.Status)},
		{"capture", string(x.Capture), string(y.Capture)},
		{"title", x.Title, y.Title},
		{"body", x.Body, y.Body},
		{"permalink", x.Source.Permalink, y.Source.Permalink},
		{"source_team", x.Source.Team, y.Source.Team},
		{"source_channel", x.Source.Channel, y.Source.Channel},
		{"source_ts", x.Source.TS, y.Source.TS},
		{"source_thread_ts", x.Source.ThreadTS, y.Source.ThreadTS},
		{"reporter", x.Reporter, y.Reporter},
		{"capturer", x.Capturer, y.Capturer},
		{"assignee", x.Assignee, y.Assignee},
		{"tracker_url", x.TrackerURL, y.TrackerURL},
	} {
		if f.a != f.b {
			out = append(out, f.name)
		}
	}
	if !slices.Equal(sortedCopy(x.Labels), sortedCopy(y.Labels)) {
		out = append(out, "labels")
	}
	if !slices.Equal(a.Voters, b.Voters) {
		out = append(out, "voters")
	}
	if !slices.Equal(a.Followers, b.Followers) {
		out = append(out, "followers")
	}
	for _, f := range []struct {
		name string
		a, b *float64
	}{
		{"score", x.RICE.Score, y.RICE.Score},
		{"reach", x.RICE.Reach, y.RICE.Reach},
		{"impact", x.RICE.Impact, y.RICE.Impact},
		{"confidence", x.RICE.Confidence, y.RICE.Confidence},
		{"effort", x.RICE.Effort, y.RICE.Effort},
	} {
		if (f.a == nil) != (f.b == nil) || (f.a != nil && *f.a != *f.b) {
			out = append(out, f.name)
		}
	}
	if x.DuplicateOf != y.DuplicateOf {
		out = append(out, "duplicate_of")
	}
	if !x.CreatedAt.Truncate(time.Second).Equal(y.CreatedAt.Truncate(time.Second)) {
		out = append(out, "created_at")
	}
	if !x.UpdatedAt.Truncate(time.Second).Equal(y.UpdatedAt.Truncate(time.Second)) {
		out = append(out, "updated_at")
	}
	return out
}

func sortedCopy(s []string) []string {
	c := slices.Clone(s)
	slices.Sort(c)
	return c
}

// insertImported writes one new item with its votes, follows, labels and
// its "imported" change; duplicate_of is set once every item is in.
func insertImported(ctx context.Context, tx *Tx, e ExportItem, now string) error {
	it := e.Item
	created, updated := formatTime(it.CreatedAt), formatTime(it.UpdatedAt)
	closed := any(nil)
	if !it.Status.Open() {
		closed = updated
	}
	r := it.RICE
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO items (
			id,
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
			assignee,
			tracker_url,
			reach,
			impact,
			confidence,
			effort,
			score,
			created_at,
			updated_at,
			closed_at
		) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		it.ID, it.Kind, it.Status, it.Title, it.Body, it.Reporter, it.Capturer, it.Capture,
		it.Source.Team, it.Source.Channel, it.Source.TS, it.Source.ThreadTS, it.Source.Permalink,
		it.Assignee, it.TrackerURL, r.Reach, r.Impact, r.Confidence, r.Effort, r.Score,
		created, updated, closed); err != nil {
		return fmt.Errorf("insert item: %w", err)
	}
	// rowid order is the order of votes and follows: the file's order.
	for _, u := range e.Voters {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_votes (item_id, "user", created_at) VALUES (?, ?, ?)`, it.ID, u, created); err != nil {
			return fmt.Errorf("add vote: %w", err)
		}
	}
	for _, u := range e.Followers {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_followers (item_id, "user", created_at) VALUES (?, ?, ?)`, it.ID, u, created); err != nil {
			return fmt.Errorf("add follower: %w", err)
		}
	}
	for _, l := range it.Labels {
		if _, err := tx.ExecContext(ctx, `INSERT INTO item_labels (item_id, label) VALUES (?, ?)`, it.ID, l); err != nil {
			return fmt.Errorf("add label %q: %w", l, err)
		}
	}
	_, err := addChange(ctx, tx, it.ID, "", "imported", "", string(it.Status), "restored from an export", now)
	return err
}
