package slackfake

import (
	"context"
	"math"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
)

// SetLatency delays every Web API answer (everything under /api/, including
// apps.connections.open and auth.test) by d, give or take up to 10%, as a
// real network and a busy Slack do. Calls are delayed concurrently: the
// delay holds no lock. A call is decided (rate limits, budget, effects such
// as a posted message) and recorded when it is answered, after its delay.
// 0, the default, answers at once.
func (s *Server) SetLatency(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.latency = max(d, 0)
}

// SetPostBudget limits chat.postMessage per channel the way Slack does: each
// channel (the channel parameter; a user id and its DM are one channel) has
// a bucket of burst tokens, refilled at perSecond tokens a second, and each
// post takes one. A post that finds the bucket empty answers HTTP 429 with
// Retry-After (the whole seconds until the next token, at least 1) and
// {"ok":false,"error":"ratelimited"}, and posts nothing. perSecond 0, the
// default, removes the budget. Setting a budget starts every bucket full.
// RateLimit is checked first: a call it rejects takes no token.
func (s *Server) SetPostBudget(perSecond float64, burst int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.budget = postBudget{perSecond: max(perSecond, 0), burst: float64(max(burst, 1))}
}

// RateLimited is how many calls of method ("" for all) were answered HTTP
// 429 so far, by RateLimit or by the post budget.
func (s *Server) RateLimited(method string) int {
	n := 0
	for _, c := range s.Calls(method) {
		if c.Status == http.StatusTooManyRequests {
			n++
		}
	}
	return n
}

// postBudget is a token bucket per channel.
type postBudget struct {
	perSecond float64 // 0: no budget
	burst     float64
	buckets   map[string]*bucket
}

type bucket struct {
	tokens float64
	at     time.Time // when tokens was last brought up to date
}

// take takes a token from channel's bucket at now and returns 0, or returns
// the whole seconds (at least 1) until the next token when there is none.
// Call with s.mu held.
func (b *postBudget) take(channel string, now time.Time) int {
	if b.perSecond <= 0 {
		return 0
	}
	if b.buckets == nil {
		b.buckets = map[string]*bucket{}
	}
	bk := b.buckets[channel]
	if bk == nil {
		bk = &bucket{tokens: b.burst, at: now}
		b.buckets[channel] = bk
	}
	if elapsed := now.Sub(bk.at); elapsed > 0 {
		bk.tokens = min(b.burst, bk.tokens+elapsed.Seconds()*b.perSecond)
		bk.at = now
	}
	const epsilon = 1e-9 // float error from adding up many refills
	if bk.tokens >= 1-epsilon {
		bk.tokens = max(bk.tokens-1, 0)
		return 0
	}
	wait := (1 - bk.tokens) / b.perSecond
	return max(int(math.Ceil(wait)), 1)
}

// postChannel is the channel a chat.postMessage channel parameter posts in,
// and whose budget it draws on: posting to a user id lands in the DM.
func postChannel(channel string) string {
	if strings.HasPrefix(channel, "U") || strings.HasPrefix(channel, "W") {
		return "D" + channel
	}
	return channel
}

// delay waits out the configured latency, without holding s.mu, and reports
// false when the request was abandoned first (the client gave up or the
// server is closing).
func (s *Server) delay(ctx context.Context) bool {
	s.mu.Lock()
	d := s.latency
	s.mu.Unlock()
	if d <= 0 {
		return true
	}
	if spread := int64(d / 10); spread > 0 {
		d += time.Duration(rand.Int64N(2*spread+1) - spread)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
