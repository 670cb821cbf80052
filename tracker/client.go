package tracker

import (
	"context"
	"net/http"
	"strings"
	"time"
)

// Link is an issue followed for an item, as it was last polled.
type Link struct {
	Item int64
	Ref  Ref
	ETag string // GitHub's ETag of the last full answer
	Seen string // State.Seen of the last full answer; "" before the first
	// Checked is when the last poll that read it asked; zero before the
	// first, and after a poll that could not read it (so the next asks
	// for its whole state, not what changed since).
	Checked time.Time
}

// Observation is what a poll learnt of one link.
type Observation struct {
	Item int64
	// Changed says State holds the issue's state; false means unchanged
	// since the last poll (a 304, or no update since then).
	Changed bool
	State   State
	ETag    string
	// Err is a problem with this issue alone (NotFound); the others in the
	// poll are unaffected.
	Err *Error
	// At is when the tracker was asked: the next poll asks what changed
	// since then.
	At time.Time
}

// NewIssue is a ticket to file for an item.
type NewIssue struct {
	Item   int64
	Kind   string // feedback, feature or bug
	Title  string
	Text   string // the request as it was made
	Asked  int    // people who asked (votes)
	Labels []string
	Score  string   // "" when unscored
	Links  []string // where it was asked, at most maxLinks
}

// maxLinks bounds the source links in a filed issue; maxText its request text.
const (
	maxLinks = 10
	maxText  = 30000
)

// Client is one tracker's Web API, as Liaison uses it.
type Client interface {
	Name() Name
	// Poll asks about links and returns what it learnt, in any order. Its
	// error concerns the whole tracker (*Error: Refused, Limited,
	// Unreachable): the observations before it still count, the links
	// without one wait for the next poll.
	Poll(ctx context.Context, links []Link) ([]Observation, error)
	// Create files issue and returns where, and the state it starts in.
	Create(ctx context.Context, issue NewIssue) (Ref, State, error)
	// Target is where Create files: "acme/app", "PROD"; "" when it cannot.
	Target() string
}

// requestTimeout bounds one request to a tracker.
const requestTimeout = 20 * time.Second

// httpClient is the client a tracker's requests go through: transport
// (counted, say) with requestTimeout.
func httpClient(transport http.RoundTripper) *http.Client {
	if transport == nil {
		transport = http.DefaultTransport
	}
	return &http.Client{Transport: transport, Timeout: requestTimeout}
}

// cut shortens s to at most n runes, ending in "…" when cut.
func cut(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimSpace(string(r[:n-1])) + "…"
}
