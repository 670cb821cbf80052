package bot

import (
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics are the bot's Prometheus series, registered on the registry main
// serves at /metrics.
type Metrics struct {
	envelopes   *prometheus.CounterVec
	ackSeconds  prometheus.Histogram
	apiCalls    *prometheus.CounterVec
	apiErrors   *prometheus.CounterVec
	captures    *prometheus.CounterVec
	outboxSent  prometheus.Counter
	outboxDead  prometheus.Counter
	outboxDepth prometheus.Gauge
	digestRuns  *prometheus.CounterVec
	inFlight    prometheus.Gauge
	tracker     *prometheus.CounterVec
}

// NewMetrics creates the bot's series and registers them on reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		envelopes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_envelopes_total",
			Help: "Socket Mode envelopes received, by type.",
		}, []string{"type"}),
		ackSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "liaison_ack_seconds",
			Help:    "Time from receiving an envelope to acking it.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
		apiCalls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_slack_api_calls_total",
			Help: "Slack Web API requests, by method.",
		}, []string{"method"}),
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_slack_api_errors_total",
			Help: "Slack Web API requests that failed at the HTTP level (transport error, 429, 5xx), by method.",
		}, []string{"method"}),
		captures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_captures_total",
			Help: "Captures by path; created says whether a new item was made (false: a +1 on an existing one).",
		}, []string{"path", "created"}),
		outboxSent: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "liaison_outbox_sent_total",
			Help: "Outbox messages delivered to Slack.",
		}),
		outboxDead: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "liaison_outbox_dead_total",
			Help: "Outbox messages given up on (dead letter).",
		}),
		outboxDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "liaison_outbox_pending",
			Help: "Outbox messages waiting to be delivered.",
		}),
		digestRuns: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_digest_runs_total",
			Help: "Digest periods recorded, by state (posting, empty, skipped).",
		}, []string{"state"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "liaison_in_flight",
			Help: "Envelopes being served (their after-ack work included) and outbox messages being sent.",
		}),
		tracker: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "liaison_tracker_requests_total",
			Help: "Requests to GitHub and Jira, by tracker and result (ok, not_modified, rate_limited, refused, not_found, client_error, server_error, unreachable).",
		}, []string{"tracker", "result"}),
	}
	if reg != nil {
		reg.MustRegister(m.envelopes, m.ackSeconds, m.apiCalls, m.apiErrors, m.captures,
			m.outboxSent, m.outboxDead, m.outboxDepth, m.digestRuns, m.inFlight, m.tracker)
	}
	return m
}

// meteredTransport counts Web API calls and HTTP-level failures by method.
type meteredTransport struct {
	next    http.RoundTripper
	metrics *Metrics
}

func (t meteredTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	method := apiMethod(r.URL)
	t.metrics.apiCalls.WithLabelValues(method).Inc()
	resp, err := t.next.RoundTrip(r)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.metrics.apiErrors.WithLabelValues(method).Inc()
	}
	return resp, err
}

// apiMethod names the Web API method a request calls ("chat.postMessage"),
// or "files.upload" for the POST of a file's bytes to the URL that
// files.getUploadURLExternal gave (one URL per file: not a name to count by).
func apiMethod(u *url.URL) string {
	if !strings.Contains(u.Path, "/api/") {
		return "files.upload"
	}
	return path.Base(u.Path)
}

// trackerTransport counts a tracker's requests by result.
type trackerTransport struct {
	tracker string
	next    http.RoundTripper
	metrics *Metrics
}

func (t trackerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(r)
	result := "unreachable"
	if err == nil {
		result = trackerResult(t.tracker, resp)
	}
	t.metrics.tracker.WithLabelValues(t.tracker, result).Inc()
	return resp, err
}

// trackerResult names a tracker's answer for liaison_tracker_requests_total.
// A 403 is GitHub's answer to a rate limit (with Retry-After or no
// requests left) or to an issue the token may not see; Jira's to a token
// that may not search.
func trackerResult(tracker string, resp *http.Response) string {
	c := resp.StatusCode
	forbidden := c == http.StatusForbidden
	switch {
	case c/100 == 2:
		return "ok"
	case c == http.StatusNotModified:
		return "not_modified"
	case c == http.StatusTooManyRequests, forbidden &&
		(resp.Header.Get("Retry-After") != "" || resp.Header.Get("X-RateLimit-Remaining") == "0"):
		return "rate_limited"
	case c == http.StatusUnauthorized, forbidden && tracker == "jira":
		return "refused"
	case c == http.StatusNotFound, c == http.StatusGone:
		return "not_found"
	case c >= 500:
		return "server_error"
	}
	return "client_error"
}
