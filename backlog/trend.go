package backlog

import "time"

// TrendPeriods is how many periods a digest's chart shows.
const TrendPeriods = 12

// TrendPeriod is one period of a digest's chart: items opened and shipped
// in [Start, End), and the open backlog at End.
type TrendPeriod struct {
	Start, End      time.Time
	Opened, Shipped int
	Open            int
}

// Bounds are the n+1 boundaries of the n periods of s that end at end,
// oldest first: each period runs from one run of the schedule to the next.
func (s Schedule) Bounds(end time.Time, n int) []time.Time {
	out := []time.Time{end}
	for len(out) <= n {
		prev := s.Prev(out[0].Add(-time.Second))
		if prev.IsZero() || !prev.Before(out[0]) {
			break
		}
		out = append([]time.Time{prev}, out...)
	}
	return out
}

// EqualBounds are the n+1 boundaries of n periods of length d that end at
// end, oldest first: a preview's periods, without a schedule.
func EqualBounds(end time.Time, d time.Duration, n int) []time.Time {
	out := make([]time.Time, n+1)
	for i := range out {
		out[i] = end.Add(-time.Duration(n-i) * d)
	}
	return out
}
