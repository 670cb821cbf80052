package backlog

import (
	"testing"
	"time"
)

func TestCatchUpDecisions(t *testing.T) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	created := now.AddDate(0, 0, -30)
	tests := []struct {
		name     string
		due      time.Time
		created  time.Time
		recorded bool
		want     CatchUpAction
	}{
		{"missed 2h ago, window 6h", now.Add(-2 * time.Hour), created, false, CatchUpPost},
		{"missed exactly at the window's edge", now.Add(-6 * time.Hour), created, false, CatchUpPost},
		{"missed 7h ago", now.Add(-7 * time.Hour), created, false, CatchUpSkip},
		{"already posted", now.Add(-2 * time.Hour), created, true, CatchUpNothing},
		{"never due", time.Time{}, created, false, CatchUpNothing},
		{"due before the subscription existed", now.Add(-2 * time.Hour), now.Add(-time.Hour), false, CatchUpNothing},
		{"due at the very moment it was made", now.Add(-time.Hour), now.Add(-time.Hour), false, CatchUpNothing},
	}
	for _, tt := range tests {
		if got := CatchUp(tt.due, tt.created, now, tt.recorded, 6*time.Hour); got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
		}
	}
}
