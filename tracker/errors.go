package tracker

import (
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Problem is what went wrong with a tracker, or with one issue in it.
type Problem string

// The problems a tracker has. Refused, Limited and Unreachable concern the
// whole tracker; NotFound and Rejected one request.
const (
	Refused     Problem = "refused"     // the token is refused (401, or Jira's 403)
	Limited     Problem = "limited"     // rate limited until RetryAt
	Unreachable Problem = "unreachable" // no answer, or a 5xx
	NotFound    Problem = "not_found"   // the issue is gone or the token cannot see it
	Rejected    Problem = "rejected"    // the tracker refused what was asked (a field, a project)
)

// Error is a tracker's answer that is not what was asked for. It never
// holds the token.
type Error struct {
	Tracker Name
	Problem Problem
	RetryAt time.Time // Limited: when the tracker takes requests again
	Detail  string    // the tracker's own words, or the network error
}

func (e *Error) Error() string {
	s := fmt.Sprintf("%s: %s", e.Tracker.Label(), e.Problem)
	if e.Problem == Limited && !e.RetryAt.IsZero() {
		s += " until " + e.RetryAt.UTC().Format(time.RFC3339)
	}
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Whole reports whether the problem stops every request to the tracker,
// not just this one.
func (e *Error) Whole() bool {
	return e.Problem == Refused || e.Problem == Limited || e.Problem == Unreachable
}

// Backoff after failures to reach a tracker: the first wait, doubling to
// at most maxBackoff. A rate limit without Retry-After waits defaultLimit.
const (
	firstBackoff = 30 * time.Second
	maxBackoff   = 15 * time.Minute
	defaultLimit = time.Minute
)

// gate holds a tracker's requests back after a rate limit or while it
// cannot be reached: no request goes out before until.
type gate struct {
	name Name
	now  func() time.Time

	mu       sync.Mutex
	until    time.Time
	why      Problem
	failures int
}

// check returns an error when requests are held back now.
func (g *gate) check() *Error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.now().Before(g.until) {
		return &Error{Tracker: g.name, Problem: g.why, RetryAt: g.until, Detail: "held back"}
	}
	return nil
}

// done records the outcome of a request: a rate limit holds until its
// RetryAt, an unreachable tracker backs off, anything else clears.
func (g *gate) done(e *Error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case e == nil || !e.Whole() || e.Problem == Refused:
		g.failures = 0
	case e.Problem == Limited:
		g.failures = 0
		g.until, g.why = e.RetryAt, Limited
	case e.Problem == Unreachable:
		wait := firstBackoff << min(g.failures, 5)
		g.failures++
		g.until, g.why = g.now().Add(min(wait, maxBackoff)), Unreachable
	}
}

// retryAfter reads a Retry-After header (seconds, or an HTTP date) as the
// time to wait until; without one, defaultLimit from now.
func retryAfter(h http.Header, now time.Time) time.Time {
	v := h.Get("Retry-After")
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return now.Add(time.Duration(s) * time.Second)
	}
	if t, err := http.ParseTime(v); err == nil {
		return t
	}
	return now.Add(defaultLimit)
}
