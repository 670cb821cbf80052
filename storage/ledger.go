package storage

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// EventSeen reports whether the Events API delivery with this event_id was
// already handled.
func (db *DB) EventSeen(ctx context.Context, eventID string) (bool, error) {
	var one int
	err := db.read.QueryRowContext(ctx,
		`SELECT 1 FROM processed_events WHERE event_id = ?`, eventID).Scan(&one)
	switch {
	case err == sql.ErrNoRows:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look up event %s: %w", eventID, err)
	}
	return true, nil
}

// MarkEventProcessed records that the delivery with this event_id was handled.
// Recording it twice is not an error.
func (db *DB) MarkEventProcessed(ctx context.Context, eventID string) error {
	now := formatTime(db.Now())
	err := db.withTx(ctx, func(ctx context.Context, tx *Tx) error { return markEvent(ctx, tx, eventID, now) })
	if err != nil {
		return fmt.Errorf("record event %s: %w", eventID, err)
	}
	return nil
}

// markEvent records an event_id in the ledger inside a write transaction
// (a capture records its delivery in its own).
func markEvent(ctx context.Context, tx *Tx, eventID, now string) error {
	_, err := tx.ExecContext(ctx,
		`INSERT INTO processed_events (event_id, processed_at) VALUES (?, ?) ON CONFLICT (event_id) DO NOTHING`,
		eventID, now)
	return err
}

// PruneEvents forgets deliveries handled before cutoff and returns how many.
// Slack retries a delivery for minutes, not hours, so an hour's memory is plenty.
// On PostgreSQL the same regular sweep folds the item counts' deltas.
func (db *DB) PruneEvents(ctx context.Context, cutoff time.Time) (int64, error) {
	if db.pg {
		if err := db.compactCounts(ctx); err != nil {
			return 0, fmt.Errorf("compact item counts: %w", err)
		}
	}
	res, err := db.exec(ctx,
		`DELETE FROM processed_events WHERE processed_at < ?`, formatTime(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune processed events: %w", err)
	}
	return res.RowsAffected()
}
