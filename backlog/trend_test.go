package backlog

import (
	"testing"
	"time"
)

func TestBounds(t *testing.T) {
	weekly, err := ParseSchedule("weekly mon 09:00", "Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	end := time.Date(2026, 11, 2, 9, 0, 0, 0, berlin) // a Monday, after the clocks went back on 25 Oct
	got := weekly.Bounds(end, 3)
	want := []time.Time{
		time.Date(2026, 10, 12, 9, 0, 0, 0, berlin),
		time.Date(2026, 10, 19, 9, 0, 0, 0, berlin),
		time.Date(2026, 10, 26, 9, 0, 0, 0, berlin),
		end,
	}
	if len(got) != len(want) {
		t.Fatalf("Bounds = %v, want %v", got, want)
	}
	for i := range want {
		if !got[i].Equal(want[i]) {
			t.Errorf("bound %d = %v, want %v (09:00 local across the change of clocks)", i, got[i], want[i])
		}
	}
	eq := EqualBounds(end, time.Hour, 2)
	if len(eq) != 3 || !eq[0].Equal(end.Add(-2*time.Hour)) || !eq[2].Equal(end) {
		t.Errorf("EqualBounds = %v", eq)
	}
}
