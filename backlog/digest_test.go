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

func TestDuePeriod(t *testing.T) {
	sc, err := ParseSchedule("weekly mon 09:00", "UTC")
	if err != nil {
		t.Fatal(err)
	}
	due := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	week := due.AddDate(0, 0, -7)
	tests := []struct {
		name    string
		lastEnd time.Time
		start   time.Time
	}{
		{"first digest: one interval", time.Time{}, week},
		{"after a posted one: from its end", due.Add(-50 * time.Hour), due.Add(-50 * time.Hour)},
		{"a last end at or after due is ignored", due, week},
	}
	for _, tt := range tests {
		p := sc.DuePeriod(due, tt.lastEnd)
		if !p.Start.Equal(tt.start) || !p.End.Equal(due) || !p.PrevStart.Equal(tt.start.Add(-due.Sub(tt.start))) {
			t.Errorf("%s: %+v, want start %v", tt.name, p, tt.start)
		}
	}
}

func TestPreviewPeriod(t *testing.T) {
	now := time.Date(2026, 12, 1, 12, 0, 0, 0, time.UTC)
	last := now.Add(-30 * time.Hour)
	if p := PreviewPeriod(now, 2*time.Hour, last); !p.Start.Equal(now.Add(-2*time.Hour)) || !p.PrevStart.Equal(now.Add(-4*time.Hour)) {
		t.Errorf("since 2h: %+v", p)
	}
	if p := PreviewPeriod(now, 0, last); !p.Start.Equal(last) || !p.End.Equal(now) {
		t.Errorf("from the last digest: %+v", p)
	}
	if p := PreviewPeriod(now, 0, time.Time{}); !p.Start.Equal(now.AddDate(0, 0, -7)) {
		t.Errorf("no last digest: %+v", p)
	}
}
