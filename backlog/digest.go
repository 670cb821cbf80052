package backlog

import "time"

// DigestFilter selects the items a digest covers: kinds (none = all) and
// labels (any of, all of, none of).
type DigestFilter struct {
	Kinds          []Kind
	Any, All, None []string
}

// DigestEntry is an item as a digest lists it.
type DigestEntry struct {
	Item
	Requesters int    // followers: everyone who asked or +1'd
	Reason     string // why it was declined
}

// DigestData is what a digest reports for the period [Start, End).
type DigestData struct {
	Start, End time.Time

	// Counts in the period (and in the one before, for the trend), and of
	// in-progress and open items at its end.
	New, Shipped, Planned, Declined, Waiting int
	PrevNew, PrevShipped                     int
	InProgress, Open                         int

	// The lists, each capped; the counts above say how many there are.
	ShippedItems  []DigestEntry // most requested first
	PlannedItems  []DigestEntry // moved to planned in the period
	DeclinedItems []DigestEntry // with reasons
	TopNew        []DigestEntry // created in the period, most votes first
	TopOpen       []DigestEntry // open, best score first
	WaitingItems  []DigestEntry // new for longer than the triage limit, oldest first
}

// Quiet reports whether nothing happened in the period.
func (d DigestData) Quiet() bool {
	return d.New == 0 && d.Shipped == 0 && d.Planned == 0 && d.Declined == 0
}

// CatchUpAction is what to do, at start-up, about a digest's latest due time.
type CatchUpAction int

// The catch-up decisions.
const (
	CatchUpNothing CatchUpAction = iota // nothing was missed
	CatchUpPost                         // missed within the window: post it now
	CatchUpSkip                         // missed too long ago: record it skipped
)

// CatchUp decides about a subscription's latest due time at or before now.
// A subscription posts first at its first due time after it was created, so
// nothing before that counts as missed; a period already recorded is done.
func CatchUp(due, created, now time.Time, recorded bool, window time.Duration) CatchUpAction {
	switch {
	case due.IsZero() || recorded || !due.After(created):
		return CatchUpNothing
	case now.Sub(due) <= window:
		return CatchUpPost
	}
	return CatchUpSkip
}

// Period is what a digest reports on, [Start, End), with the stretch of
// the same length before it (from PrevStart) for the trend.
type Period struct{ PrevStart, Start, End time.Time }

// NewPeriod is the period from start to end.
func NewPeriod(start, end time.Time) Period {
	return Period{PrevStart: start.Add(-end.Sub(start)), Start: start, End: end}
}

// previewDays is how far back a preview looks when nothing says otherwise.
const previewDays = 7

// DuePeriod is the period of a digest due at due: from where the last
// posted one ended (lastEnd; zero when there is none), or for the first,
// one schedule interval before due.
func (s Schedule) DuePeriod(due, lastEnd time.Time) Period {
	if !lastEnd.IsZero() && lastEnd.Before(due) {
		return NewPeriod(lastEnd, due)
	}
	if prev := s.Prev(due.Add(-time.Second)); !prev.IsZero() {
		return NewPeriod(prev, due)
	}
	return NewPeriod(due.AddDate(0, 0, -previewDays), due)
}

// PreviewPeriod is what a preview at now covers: the last since; when since
// is 0, from where the last posted digest ended (lastEnd), or the last 7 days.
func PreviewPeriod(now time.Time, since time.Duration, lastEnd time.Time) Period {
	switch {
	case since > 0:
		return NewPeriod(now.Add(-since), now)
	case !lastEnd.IsZero():
		return NewPeriod(lastEnd, now)
	}
	return NewPeriod(now.AddDate(0, 0, -previewDays), now)
}
