package backlog

import "fmt"

// TransitionError explains why a status change is not allowed.
type TransitionError struct{ Reason string }

func (e *TransitionError) Error() string { return e.Reason }

// CheckTransition says whether an item may go from one status to another
// (SPEC §3, §11). Status changes are for admins, who may jump forward or
// back among the open statuses; shipped or declined needs an open item;
// declined needs a reason; duplicate only comes from a merge; shipped and
// declined items reopen by moving to an open status.
func CheckTransition(from, to Status, reason string) error {
	switch {
	case from == to:
		return &TransitionError{fmt.Sprintf("it is already %s", to.Label())}
	case to == StatusDuplicate:
		return &TransitionError{"an item becomes a duplicate by merging it: `merge <id> into <id>`"}
	case from == StatusDuplicate:
		return &TransitionError{"it was merged into another item; change that one instead"}
	case to == StatusDeclined && reason == "":
		return &TransitionError{"declining needs a reason, e.g. `status 42 declined out of scope for this year`"}
	case to.Open():
		return nil // forward, back, or a reopen of a shipped or declined item
	case !from.Open():
		return &TransitionError{fmt.Sprintf("it is %s; reopen it first by setting an open status", from.Label())}
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
