package bot

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// rateGate honours Slack's Retry-After per Web API method for every caller:
// after a 429, no request for that method leaves until the time has passed.
// A caller that names a scope (withGateScope: the delivery path names the
// destination) is held apart: Slack's per-channel budget for
// chat.postMessage is one channel's, not every channel's.
// A caller whose context ends sooner gets a 429 back at once (slack-go turns
// it into *slack.RateLimitedError), so nobody waits past their deadline.
type rateGate struct {
	next http.RoundTripper
	now  func() time.Time

	mu    sync.Mutex
	until map[string]time.Time // method → earliest next request
}

func newRateGate(next http.RoundTripper) *rateGate {
	return &rateGate{next: next, now: time.Now, until: map[string]time.Time{}}
}

func (g *rateGate) RoundTrip(r *http.Request) (*http.Response, error) {
	method := apiMethod(r.URL)
	if scope, ok := r.Context().Value(gateScope{}).(string); ok {
		method += " " + scope
	}
	g.mu.Lock()
	until := g.until[method]
	g.mu.Unlock()
	if wait := until.Sub(g.now()); wait > 0 {
		if dl, ok := r.Context().Deadline(); ok && dl.Before(until) {
			return tooManyRequests(r, wait), nil
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return nil, r.Context().Err()
		}
	}
	resp, err := g.next.RoundTrip(r)
	if err == nil && resp.StatusCode == http.StatusTooManyRequests {
		if secs, perr := strconv.Atoi(resp.Header.Get("Retry-After")); perr == nil && secs > 0 {
			g.mu.Lock()
			if t := g.now().Add(time.Duration(secs) * time.Second); t.After(g.until[method]) {
				g.until[method] = t
			}
			g.mu.Unlock()
		}
	}
	return resp, err
}

// gateScope is the context key of a rate gate scope.
type gateScope struct{}

// withGateScope makes the rate gate count ctx's requests apart, by scope.
func withGateScope(ctx context.Context, scope string) context.Context {
	return context.WithValue(ctx, gateScope{}, scope)
}

// tooManyRequests is the 429 the gate answers itself with.
func tooManyRequests(r *http.Request, wait time.Duration) *http.Response {
	secs := int((wait + time.Second - 1) / time.Second)
	return &http.Response{
		StatusCode: http.StatusTooManyRequests,
		Status:     "429 Too Many Requests",
		Header:     http.Header{"Retry-After": {strconv.Itoa(secs)}},
		Body:       io.NopCloser(bytes.NewReader(nil)),
		Request:    r,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
	}
}

// withDeadline bounds a pre-ack Web API read so the ack still makes Slack's 3 s.
func withDeadline(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(ctx, preAckBudget)
}

// preAckBudget is how long a handler may spend reading from Slack before it acks.
const preAckBudget = 2 * time.Second
