// Package backlog is Liaison's domain: items, their kinds and statuses.
// It imports nothing of Liaison's and knows neither Slack nor SQL.
package backlog

import (
	"fmt"
	"strings"
	"time"
)

// Kind is what an item is: feedback, a feature request or a bug.
type Kind string

// The kinds of item. "idea" is accepted as a spelling of KindFeature.
const (
	KindFeedback Kind = "feedback"
	KindFeature  Kind = "feature"
	KindBug      Kind = "bug"
)

// Kinds lists every kind in the order they are shown.
var Kinds = []Kind{KindFeedback, KindFeature, KindBug}

// ParseKind reads a kind case-insensitively; "idea" is a feature.
func ParseKind(s string) (Kind, error) {
	switch k := strings.ToLower(strings.TrimSpace(s)); k {
	case "feedback", "feature", "bug":
		return Kind(k), nil
	case "idea":
		return KindFeature, nil
	}
	return "", fmt.Errorf("unknown kind %q (use feedback, feature, bug or idea)", s)
}

// Status is where an item stands in its life.
type Status string

// The statuses of an item. Open ones come first.
const (
	StatusNew        Status = "new"
	StatusTriaged    Status = "triaged"
	StatusPlanned    Status = "planned"
	StatusInProgress Status = "in_progress"
	StatusShipped    Status = "shipped"
	StatusDeclined   Status = "declined"
	StatusDuplicate  Status = "duplicate"
)

// Statuses lists every status in flow order.
var Statuses = []Status{
	StatusNew, StatusTriaged, StatusPlanned, StatusInProgress,
	StatusShipped, StatusDeclined, StatusDuplicate,
}

// Open reports whether an item with this status still awaits a decision or delivery.
func (s Status) Open() bool {
	switch s {
	case StatusNew, StatusTriaged, StatusPlanned, StatusInProgress:
		return true
	}
	return false
}

// ParseStatus reads a status forgivingly: any case, and "in progress",
// "in-progress" and "in_progress" are the same.
func ParseStatus(s string) (Status, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	norm = strings.NewReplacer(" ", "_", "-", "_").Replace(norm)
	for _, st := range Statuses {
		if string(st) == norm {
			return st, nil
		}
	}
	names := make([]string, len(Statuses))
	for i, st := range Statuses {
		names[i] = string(st)
	}
	return "", fmt.Errorf("unknown status %q (valid: %s)", s, strings.Join(names, ", "))
}

// Capture names the path by which an item entered the backlog.
type Capture string

// The capture paths of SPEC §11.
const (
	CaptureSlash    Capture = "slash"
	CaptureMention  Capture = "mention"
	CaptureThread   Capture = "thread"
	CaptureReaction Capture = "reaction"
	CaptureChannel  Capture = "channel"
	CaptureShortcut Capture = "shortcut"
	CaptureModal    Capture = "modal"
)

// Item is one piece of feedback, feature request or bug in the backlog.
type Item struct {
	ID          int64
	Kind        Kind
	Status      Status
	Title       string
	Body        string
	Reporter    string // Slack user id of the captured message's author
	Capturer    string // Slack user id of the person who captured it
	Capture     Capture
	Source      Source
	Labels      []string
	Assignee    string
	TrackerURL  string
	Votes       int
	RICE        RICE
	DuplicateOf int64 // 0 when not a duplicate
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// RICE holds the prioritisation inputs and score; nil means not set.
type RICE struct {
	Reach      *float64
	Impact     *float64
	Confidence *float64
	Effort     *float64
	Score      *float64
}

// Source is the Slack message an item was captured from.
type Source struct {
	Team      string
	Channel   string
	TS        string
	ThreadTS  string
	Permalink string
}
