package backlog

import (
	"strings"
	"testing"
	"time"
)

func TestParsePhrasesAndSpecs(t *testing.T) {
	tests := []struct{ in, want string }{
		{"daily 09:00", "0 9 * * *"},
		{"Daily 17:30", "30 17 * * *"},
		{"weekdays 9:05", "5 9 * * MON-FRI"},
		{"weekly mon 09:00", "0 9 * * MON"},
		{"weekly Friday 16:00", "0 16 * * FRI"},
		{"monthly 1 09:00", "0 9 1 * *"},
		{"0 9 * * MON", "0 9 * * mon"},
		{"*/15 * * * *", "*/15 * * * *"},
	}
	for _, tt := range tests {
		s, err := ParseSchedule(tt.in, "Europe/Berlin")
		if err != nil || s.Spec != tt.want {
			t.Errorf("Parse(%q) = %q, %v; want %q", tt.in, s.Spec, err, tt.want)
		}
	}
	bad := []struct{ in, tz, want string }{
		{"daily 25:00", "", "not a time of day"},
		{"weekly funday 09:00", "", "neither a phrase nor"},
		{"monthly 31 09:00", "", "use 1–28"},
		{"every tuesday", "", "neither a phrase nor"},
		{"61 * * * *", "", "e.g. \"weekly mon 09:00\""},
		{"", "", "neither a phrase nor"},
		{"daily 09:00", "Mars/Base", "unknown time zone"},
	}
	for _, b := range bad {
		if _, err := ParseSchedule(b.in, b.tz); err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("Parse(%q, %q) = %v, want an error containing %q", b.in, b.tz, err, b.want)
		}
	}
}

func mustParse(t *testing.T, spec, tz string) Schedule {
	t.Helper()
	s, err := ParseSchedule(spec, tz)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestNextAcrossZonesAndDaylightSaving(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	berlin, _ := time.LoadLocation("Europe/Berlin")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	tests := []struct {
		name, spec, tz string
		after          time.Time
		want           []time.Time // the next runs, in order
	}{
		{"weekly in Berlin", "weekly mon 09:00", "Europe/Berlin", time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 12, 7, 9, 0, 0, 0, berlin), time.Date(2026, 12, 14, 9, 0, 0, 0, berlin)}},
		{"daily in Tokyo", "daily 09:00", "Asia/Tokyo", time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 12, 1, 9, 0, 0, 0, tokyo)}},
		{"NY spring forward keeps 09:00", "daily 09:00", "America/New_York", time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 3, 8, 9, 0, 0, 0, ny), time.Date(2026, 3, 9, 9, 0, 0, 0, ny)}},
		{"NY 02:30 on the skipped day runs once, after the gap", "daily 02:30", "America/New_York", time.Date(2026, 3, 7, 15, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 3, 8, 3, 30, 0, 0, ny), time.Date(2026, 3, 9, 2, 30, 0, 0, ny)}},
		{"NY 01:30 on the doubled day runs once", "daily 01:30", "America/New_York", time.Date(2026, 10, 31, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 11, 1, 5, 30, 0, 0, time.UTC), time.Date(2026, 11, 2, 1, 30, 0, 0, ny)}},
		{"Berlin spring forward 02:30", "daily 02:30", "Europe/Berlin", time.Date(2026, 3, 28, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 3, 29, 3, 30, 0, 0, berlin), time.Date(2026, 3, 30, 2, 30, 0, 0, berlin)}},
		{"Berlin fall back 02:30 once", "daily 02:30", "Europe/Berlin", time.Date(2026, 10, 24, 12, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 25, 0, 30, 0, 0, time.UTC), time.Date(2026, 10, 26, 2, 30, 0, 0, berlin)}},
		{"Berlin weekly across fall back is 7 days of wall clock", "weekly mon 09:00", "Europe/Berlin", time.Date(2026, 10, 20, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 10, 26, 9, 0, 0, 0, berlin), time.Date(2026, 11, 2, 9, 0, 0, 0, berlin)}},
		{"weekdays skip the weekend", "weekdays 17:30", "UTC", time.Date(2026, 12, 4, 18, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2026, 12, 7, 17, 30, 0, 0, time.UTC)}},
		{"monthly", "monthly 1 09:00", "UTC", time.Date(2026, 12, 15, 0, 0, 0, 0, time.UTC),
			[]time.Time{time.Date(2027, 1, 1, 9, 0, 0, 0, time.UTC), time.Date(2027, 2, 1, 9, 0, 0, 0, time.UTC)}},
		{"every minute", "* * * * *", "UTC", time.Date(2026, 12, 1, 10, 0, 30, 0, time.UTC),
			[]time.Time{time.Date(2026, 12, 1, 10, 1, 0, 0, time.UTC), time.Date(2026, 12, 1, 10, 2, 0, 0, time.UTC)}},
	}
	for _, tt := range tests {
		s := mustParse(t, tt.spec, tt.tz)
		at := tt.after
		for i, want := range tt.want {
			got := s.Next(at)
			if !got.Equal(want) {
				t.Errorf("%s: run %d = %v, want %v", tt.name, i, got.In(s.Location), want.In(s.Location))
				break
			}
			at = got
		}
	}
}

func TestPrev(t *testing.T) {
	s := mustParse(t, "weekly mon 09:00", "Europe/Berlin")
	berlin := s.Location
	now := time.Date(2026, 12, 2, 12, 0, 0, 0, berlin) // a Wednesday
	if got, want := s.Prev(now), time.Date(2026, 11, 30, 9, 0, 0, 0, berlin); !got.Equal(want) {
		t.Errorf("Prev = %v, want %v", got, want)
	}
	exact := time.Date(2026, 11, 30, 9, 0, 0, 0, berlin)
	if got := s.Prev(exact); !got.Equal(exact) {
		t.Errorf("Prev at a run time = %v, want that run", got)
	}
	m := mustParse(t, "* * * * *", "UTC")
	if got := m.Prev(time.Date(2026, 1, 1, 0, 0, 30, 0, time.UTC)); !got.Equal(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("every-minute Prev = %v", got)
	}
}

func TestPrevIsQuickForSparseSchedules(t *testing.T) {
	// Every minute of January, asked in July: the answer is 31 January 23:59.
	s := mustParse(t, "* * * 1 *", "UTC")
	got := s.Prev(time.Date(2026, 7, 15, 12, 0, 0, 0, time.UTC))
	if want := time.Date(2026, 1, 31, 23, 59, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("Prev = %v, want %v", got, want)
	}
	if got := mustParse(t, "0 9 29 2 *", "UTC").Prev(time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)); !got.IsZero() {
		t.Errorf("Prev of a date not seen in the last year = %v, want zero", got)
	}
}
