package tracker

import (
	"fmt"

	"github.com/liaisonbot/liaison/backlog"
)

// State is what a tracker says of an issue, reduced to what moves an item.
type State struct {
	// GitHub: Open, and why it was closed or reopened ("completed",
	// "not_planned", "duplicate", "reopened", or ""); Merged for a pull
	// request.
	Open   bool
	Reason string
	Merged bool
	Pull   bool // the answer says it is a pull request, whatever URL linked it
	// Jira: the status's category key ("new", "indeterminate", "done")
	// and its name ("In Review").
	Category string
	Status   string
}

// Seen is the state as it is remembered between polls: an item moves only
// when this changes, so a move by hand is kept until the tracker changes
// again. A Jira status that keeps its category ("To Do" → "Selected") is
// no change.
func (s State) Seen(t Name) string {
	if t == Jira {
		return "jira:" + s.Category
	}
	switch {
	case s.Merged:
		return "merged"
	case s.Open && s.Reason == "reopened":
		return "open:reopened"
	case s.Open:
		return "open"
	case s.Reason == "":
		return "closed:completed" // closed before GitHub kept reasons
	}
	return "closed:" + s.Reason
}

// Move is what an item should become once its issue is in state s (SPEC
// §12), with the note that names the issue; ok is false when the state
// moves nothing (an open GitHub issue, a pull request closed unmerged).
func Move(r Ref, s State) (to backlog.Status, note string, ok bool) {
	if r.Tracker == Jira {
		name := s.Status
		if name == "" {
			name = s.Category
		}
		switch s.Category {
		case "new":
			to = backlog.StatusPlanned
		case "indeterminate":
			to = backlog.StatusInProgress
		case "done":
			to = backlog.StatusShipped
		default:
			return "", "", false
		}
		return to, fmt.Sprintf("%s moved to %s", r, name), true
	}
	switch {
	case s.Merged:
		return backlog.StatusShipped, fmt.Sprintf("%s merged", r), true
	case s.Open && s.Reason == "reopened":
		return backlog.StatusInProgress, fmt.Sprintf("%s reopened", r), true
	case s.Open || r.Pull || s.Pull:
		return "", "", false // open, or a pull request closed without merging
	case s.Reason == "not_planned":
		return backlog.StatusDeclined, fmt.Sprintf("closed as not planned in %s", r), true
	case s.Reason == "duplicate":
		return backlog.StatusDeclined, fmt.Sprintf("closed as a duplicate in %s", r), true
	}
	return backlog.StatusShipped, fmt.Sprintf("%s closed as completed", r), true
}
