// Package trackerfake is the test GitHub and the test Jira: httptest
// servers that keep issue state, check the token, answer conditional
// requests as GitHub does, and can be told to answer 429 or 401.
package trackerfake

import (
	"net/http"
	"sync"
)

// Fault is an answer a fake gives instead of the real one.
type Fault struct {
	Status     int    // 429, 401, 500…
	RetryAfter string // the Retry-After header, if any
	Body       string // JSON body; a default one when empty
}

// faults is the queue of faults a fake answers with, one request each.
type faults struct {
	mu    sync.Mutex
	queue []Fault
}

// add queues f for the next n requests.
func (q *faults) add(f Fault, n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for range n {
		q.queue = append(q.queue, f)
	}
}

// serve answers with the next queued fault and reports whether there was one.
func (q *faults) serve(w http.ResponseWriter) bool {
	q.mu.Lock()
	if len(q.queue) == 0 {
		q.mu.Unlock()
		return false
	}
	f := q.queue[0]
	q.queue = q.queue[1:]
	q.mu.Unlock()
	if f.RetryAfter != "" {
		w.Header().Set("Retry-After", f.RetryAfter)
	}
	body := f.Body
	if body == "" {
		body = `{"message":"` + http.StatusText(f.Status) + `"}`
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(f.Status)
	w.Write([]byte(body))
	return true
}
