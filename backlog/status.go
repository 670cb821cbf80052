package backlog

import "fmt"

// TransitionProblem says why a status change is refused.
type TransitionProblem int

// The reasons CheckTransition refuses a change.
const (
	TransitionSame          TransitionProblem = iota + 1 // the item already has that status
	TransitionToDuplicate                                // only a merge makes a duplicate
	TransitionFromDuplicate                              // a merged item is changed through the one it went into
	TransitionNeedsReason                                // declining needs a reason
	TransitionClosed                                     // shipped or declined: reopen before closing again
)

// TransitionError is a refused status change, with the facts.
type TransitionError struct {
	Problem  TransitionProblem
	From, To Status
}

func (e *TransitionError) Error() string {
	what := map[TransitionProblem]string{
		TransitionSame:          "already that status",
		TransitionToDuplicate:   "only a merge makes a duplicate",
		TransitionFromDuplicate: "a merged item changes with the item it went into",
		TransitionNeedsReason:   "declining needs a reason",
		TransitionClosed:        "a closed item must be reopened first",
	}[e.Problem]
	return fmt.Sprintf("%s → %s: %s", e.From, e.To, what)
}

// CheckTransition says whether an item may go from one status to another
// (SPEC §3, §11). Status changes are for admins, who may jump forward or
// back among the open statuses; shipped or declined needs an open item;
// declined needs a reason; duplicate only comes from a merge; shipped and
// declined items reopen by moving to an open status.
func CheckTransition(from, to Status, reason string) error {
	refuse := func(p TransitionProblem) error { return &TransitionError{Problem: p, From: from, To: to} }
	switch {
	case from == to:
		return refuse(TransitionSame)
	case to == StatusDuplicate:
		return refuse(TransitionToDuplicate)
	case from == StatusDuplicate:
		return refuse(TransitionFromDuplicate)
	case to == StatusDeclined && reason == "":
		return refuse(TransitionNeedsReason)
	case to.Open():
		return nil // forward, back, or a reopen of a shipped or declined item
	case !from.Open():
		return refuse(TransitionClosed)
	}
	return nil
}

// Label is a status as people read it: "in progress".
func (s Status) Label() string {
	if s == StatusInProgress {
		return "in progress"
	}
	return string(s)
}

// Notifies reports whether followers hear about a move to this status.
func (s Status) Notifies() bool {
	switch s {
	case StatusPlanned, StatusInProgress, StatusShipped, StatusDeclined:
		return true
	}
	return false
}

// flow is the order of the status flow, new to shipped.
var flow = map[Status]int{StatusNew: 1, StatusTriaged: 2, StatusPlanned: 3, StatusInProgress: 4, StatusShipped: 5}

// Behind reports whether s comes before t in the flow new → triaged →
// planned → in progress → shipped, and so a move from t to s goes back.
// Declined and duplicate are off the flow: neither is behind anything.
func (s Status) Behind(t Status) bool {
	a, b := flow[s], flow[t]
	return a != 0 && (b > a || t == StatusDeclined)
}
