// Package slackfake is a test Slack: Socket Mode over a real websocket and
// the Web API methods Liaison calls, served by an httptest server. The real
// slack-go client connects to it through slack.OptionAPIURL(s.APIURL()).
//
// It records every envelope it sends, every ack (with its latency) and every
// Web API call, redelivers unacked Events API envelopes after a reconnect,
// and can disconnect, drop the socket or answer 429 on demand. It can also
// behave like the real Slack under load: SetLatency delays every Web API
// answer and SetPostBudget limits chat.postMessage per channel. Tests wait on
// what it records with deadlines, never with fixed sleeps.
package slackfake

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Identity of the fake workspace and app.
const (
	BotToken  = "xoxb-fake-bot-token"
	AppToken  = "xapp-fake-app-token"
	TeamID    = "T0FAKE"
	AppID     = "A0LIAISON"
	BotUserID = "U0LIAISON"
	BotID     = "B0LIAISON"
)

// DefaultWait bounds every Wait method.
const DefaultWait = 10 * time.Second

// Envelope is one Socket Mode message sent to the client.
type Envelope struct {
	EnvelopeID             string          `json:"envelope_id,omitempty"`
	Type                   string          `json:"type"`
	Payload                json.RawMessage `json:"payload,omitempty"`
	AcceptsResponsePayload bool            `json:"accepts_response_payload,omitempty"`
	RetryAttempt           int             `json:"retry_attempt"`
	RetryReason            string          `json:"retry_reason"`

	SentAt time.Time `json:"-"`
}

// Ack is one acknowledgement received from the client.
type Ack struct {
	EnvelopeID string
	Payload    json.RawMessage // nil when the ack carried none
	At         time.Time
	Latency    time.Duration // since the envelope was (last) sent
}

// Server is the test Slack.
type Server struct {
	// PingInterval is how often the server pings each connection, as Slack does.
	PingInterval time.Duration
	// OnAck, when set, runs for every ack as it arrives, before it is
	// recorded: a test can look at the world at the very moment of the ack.
	// Set it before the client connects.
	OnAck func(Ack)

	t        testing.TB
	srv      *httptest.Server
	upgrader websocket.Upgrader

	mu          sync.Mutex
	changed     chan struct{} // closed and replaced on every recorded change
	tickets     map[string]bool
	conn        *wsConn
	connections int
	// spread: hold every connection the app opens and spread envelopes
	// over them in turn, as Slack does for an app's several processes.
	spread   bool
	conns    []*wsConn
	turn     int
	sentOn   map[string]*wsConn // spread: the connection each unacked envelope went out on
	sent     []Envelope
	acks     []Ack
	unacked  map[string]Envelope // Events API envelopes awaiting an ack, by id
	calls    []Call
	limits   map[string]*limit
	failures map[string]*failure
	messages map[string][]Message // by channel
	notIn    map[string]bool      // channels the bot is not a member of
	groups   map[string][]string
	junk     []string // messages from the client that were not acks
	seq      int64
	latency  time.Duration      // delay of every Web API answer, see SetLatency
	budget   postBudget         // chat.postMessage budget per channel, see SetPostBudget
	uploads  map[string]*upload // files by id, from files.getUploadURLExternal on
}

// wsConn is one websocket connection; gorilla allows one writer at a time.
type wsConn struct {
	ws   *websocket.Conn
	wmu  sync.Mutex
	done chan struct{}
}

func (c *wsConn) writeJSON(v any) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(5 * time.Second))
	return c.ws.WriteJSON(v)
}

// New starts a test Slack that stops when the test ends.
func New(t testing.TB) *Server {
	s := &Server{
		PingInterval: 2 * time.Second,
		t:            t,
		changed:      make(chan struct{}),
		tickets:      map[string]bool{},
		unacked:      map[string]Envelope{},
		limits:       map[string]*limit{},
		failures:     map[string]*failure{},
		messages:     map[string][]Message{},
		notIn:        map[string]bool{},
		groups:       map[string][]string{},
		uploads:      map[string]*upload{},
		seq:          time.Now().Unix() * 1_000_000,
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/socket", s.serveSocket)
	mux.HandleFunc("POST /upload/{id}", s.serveUpload)
	// Slack's client sends Origin: https://api.slack.com; accept it.
	s.upgrader.CheckOrigin = func(*http.Request) bool { return true }
	s.srv = httptest.NewServer(mux)
	t.Cleanup(func() {
		s.Close()
		if junk := s.Junk(); len(junk) > 0 {
			t.Errorf("slackfake: the client sent %d messages that are not acks, first: %s", len(junk), junk[0])
		}
	})
	return s
}

// APIURL is the Web API base URL, with its trailing slash, for slack.OptionAPIURL.
func (s *Server) APIURL() string { return s.srv.URL + "/api/" }

// Close drops any connection and stops the server.
func (s *Server) Close() {
	s.mu.Lock()
	c := s.conn
	s.mu.Unlock()
	if c != nil {
		c.ws.Close()
	}
	s.srv.CloseClientConnections()
	s.srv.Close()
}

// notify wakes every waiter; call with s.mu held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// WaitFor waits until cond is true, re-checking it whenever the server
// records something (and every few milliseconds, for conditions outside the
// server such as a database row), and fails the test after DefaultWait
// naming what it waited for. cond runs unlocked and may call any Server method.
func (s *Server) WaitFor(what string, cond func() bool) {
	s.t.Helper()
	s.WaitWithin(DefaultWait, what, cond)
}

// WaitWithin is WaitFor with its own deadline, for conditions Slack's pace
// makes slow (a hundred messages to one channel).
func (s *Server) WaitWithin(wait time.Duration, what string, cond func() bool) {
	s.t.Helper()
	deadline := time.After(wait)
	poll := time.NewTicker(5 * time.Millisecond)
	defer poll.Stop()
	for {
		s.mu.Lock()
		ch := s.changed
		s.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-poll.C:
		case <-deadline:
			s.t.Fatalf("slackfake: timed out after %v waiting for %s", wait, what)
			return
		}
	}
}

// newID returns a random id with a prefix, shaped like Slack's.
func newID(prefix string) string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return prefix + strings.ToUpper(hex.EncodeToString(b))
}

// nextTS returns a fresh, increasing message timestamp ("1700000000.000100").
func (s *Server) nextTS() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.nextTSLocked()
}

func (s *Server) nextTSLocked() string {
	s.seq++
	return fmt.Sprintf("%d.%06d", s.seq/1_000_000, s.seq%1_000_000)
}

// serveSocket upgrades a one-use ticket URL to the Socket Mode websocket.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request) {
	ticket := r.URL.Query().Get("ticket")
	s.mu.Lock()
	ok := s.tickets[ticket]
	delete(s.tickets, ticket)
	s.mu.Unlock()
	if !ok {
		http.Error(w, "unknown or used ticket", http.StatusUnauthorized)
		return
	}
	ws, err := s.upgrader.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	c := &wsConn{ws: ws, done: make(chan struct{})}

	// What to redeliver is decided before the connection is published, so
	// an envelope sent on the new connection is never also "redelivered".
	// Spread, the other connections still hold theirs.
	var again []Envelope
	if !s.isSpread() {
		again = s.takeUnacked()
	}
	hello := map[string]any{
		"type":            "hello",
		"num_connections": 1,
		"debug_info":      map[string]any{"host": "slackfake", "approximate_connection_time": 3600},
		"connection_info": map[string]any{"app_id": AppID},
	}
	if err := c.writeJSON(hello); err != nil {
		s.dropConn(c)
		return
	}
	s.resend(c, again)
	s.mu.Lock()
	old := s.conn
	s.conn = c
	s.connections++
	if s.spread {
		s.conns, old = append(s.conns, c), nil
	}
	s.notify()
	s.mu.Unlock()
	if old != nil {
		old.ws.Close()
	}

	go s.ping(c)
	s.readAcks(c)
}

// takeUnacked counts up the retry of every unacked Events API envelope and
// returns them, to be resent.
func (s *Server) takeUnacked() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	var again []Envelope
	for id, env := range s.unacked {
		env.RetryAttempt++
		env.RetryReason = "timeout"
		env.SentAt = time.Now()
		s.unacked[id] = env
		again = append(again, env)
	}
	return again
}

// resend writes envelopes taken by takeUnacked on c and records them.
func (s *Server) resend(c *wsConn, again []Envelope) {
	for _, env := range again {
		if err := c.writeJSON(env); err != nil {
			return
		}
		s.mu.Lock()
		s.sent = append(s.sent, env)
		s.notify()
		s.mu.Unlock()
	}
}

// ping pings the connection every PingInterval until it closes.
func (s *Server) ping(c *wsConn) {
	tick := time.NewTicker(s.PingInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-tick.C:
			c.wmu.Lock()
			err := c.ws.WriteControl(websocket.PingMessage, []byte("ping"), time.Now().Add(time.Second))
			c.wmu.Unlock()
			if err != nil {
				return
			}
		}
	}
}

// readAcks records acks until the connection closes.
func (s *Server) readAcks(c *wsConn) {
	defer s.dropConn(c)
	for {
		_, data, err := c.ws.ReadMessage()
		if err != nil {
			return
		}
		var ack struct {
			EnvelopeID string          `json:"envelope_id"`
			Payload    json.RawMessage `json:"payload"`
		}
		if err := json.Unmarshal(data, &ack); err != nil || ack.EnvelopeID == "" {
			s.mu.Lock()
			s.junk = append(s.junk, string(data))
			s.mu.Unlock()
			continue
		}
		now := time.Now()
		if string(ack.Payload) == "null" {
			ack.Payload = nil
		}
		if s.OnAck != nil {
			s.OnAck(Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, At: now})
		}
		s.mu.Lock()
		var latency time.Duration
		for i := len(s.sent) - 1; i >= 0; i-- {
			if s.sent[i].EnvelopeID == ack.EnvelopeID {
				latency = now.Sub(s.sent[i].SentAt)
				break
			}
		}
		s.acks = append(s.acks, Ack{EnvelopeID: ack.EnvelopeID, Payload: ack.Payload, At: now, Latency: latency})
		delete(s.unacked, ack.EnvelopeID)
		delete(s.sentOn, ack.EnvelopeID)
		s.notify()
		s.mu.Unlock()
	}
}

// dropConn forgets a closed connection.
func (s *Server) dropConn(c *wsConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	select {
	case <-c.done:
		return
	default:
		close(c.done)
	}
	c.ws.Close()
	if s.conn == c {
		s.conn = nil
	}
	if s.spread {
		s.conns = slices.DeleteFunc(s.conns, func(o *wsConn) bool { return o == c })
		if s.conn == nil && len(s.conns) > 0 {
			s.conn = s.conns[len(s.conns)-1]
		}
		var again []Envelope
		for id, on := range s.sentOn {
			if env, ok := s.unacked[id]; ok && on == c {
				env.RetryAttempt++
				env.RetryReason = "timeout"
				env.SentAt = time.Now()
				s.unacked[id] = env
				again = append(again, env)
			}
		}
		if len(again) > 0 && len(s.conns) > 0 {
			to := s.conns[0]
			for _, env := range again {
				s.sentOn[env.EnvelopeID] = to
			}
			go s.resend(to, again)
		}
	}
	s.notify()
}

func (s *Server) current() *wsConn {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spread && len(s.conns) > 0 {
		s.turn++
		return s.conns[s.turn%len(s.conns)]
	}
	return s.conn
}

// Spread makes the server hold every connection the app opens (its
// replicas') and send each envelope on the next in turn. When one closes,
// the envelopes it left unacked are delivered again on another, as Slack
// retries an envelope no one acked.
func (s *Server) Spread() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.spread = true
	s.sentOn = map[string]*wsConn{}
}

// RedeliverAfter makes the server send an Events API envelope again when
// no one acked it within wait, up to three times, as Slack does; each
// time on the next connection in turn when spread.
func (s *Server) RedeliverAfter(wait time.Duration) {
	done := make(chan struct{})
	s.t.Cleanup(func() { close(done) })
	go func() {
		tick := time.NewTicker(wait / 10)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
			}
			now := time.Now()
			s.mu.Lock()
			var again []Envelope
			for id, env := range s.unacked {
				if env.RetryAttempt < 3 && now.Sub(env.SentAt) >= wait {
					env.RetryAttempt++
					env.RetryReason = "timeout"
					env.SentAt = now
					s.unacked[id] = env
					again = append(again, env)
				}
			}
			s.mu.Unlock()
			for _, env := range again {
				c := s.current()
				if c == nil {
					continue
				}
				s.mu.Lock()
				if s.spread {
					s.sentOn[env.EnvelopeID] = c
				}
				s.mu.Unlock()
				s.resend(c, []Envelope{env})
			}
		}
	}()
}

func (s *Server) isSpread() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.spread
}

// OpenConnections is how many connections are open now.
func (s *Server) OpenConnections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spread {
		return len(s.conns)
	}
	if s.conn != nil {
		return 1
	}
	return 0
}

// Connections is how many websocket connections the client has opened.
func (s *Server) Connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connections
}

// Connected reports whether a client is connected now.
func (s *Server) Connected() bool { return s.current() != nil }

// WaitConnections waits until the client has opened n connections in all
// and one is open now.
func (s *Server) WaitConnections(n int) {
	s.t.Helper()
	s.WaitFor(fmt.Sprintf("connection #%d", n), func() bool {
		return s.Connections() >= n && s.Connected()
	})
}

// Send sends an envelope on the current connection and records it.
// An Events API envelope stays unacked until the client acks it.
func (s *Server) Send(env Envelope) Envelope {
	s.t.Helper()
	if env.EnvelopeID == "" {
		env.EnvelopeID = newID("env-")
	}
	c := s.current()
	if c == nil {
		s.t.Fatalf("slackfake: no connection to send a %s envelope on", env.Type)
	}
	env.SentAt = time.Now()
	s.mu.Lock()
	if env.Type == "events_api" {
		s.unacked[env.EnvelopeID] = env
		if s.spread {
			s.sentOn[env.EnvelopeID] = c
		}
	}
	s.sent = append(s.sent, env)
	s.notify()
	s.mu.Unlock()
	if err := c.writeJSON(env); err != nil {
		s.t.Fatalf("slackfake: send %s envelope: %v", env.Type, err)
	}
	return env
}

// SendRaw writes raw bytes as one websocket text message, for malformed input.
func (s *Server) SendRaw(b []byte) {
	s.t.Helper()
	c := s.current()
	if c == nil {
		s.t.Fatal("slackfake: no connection for SendRaw")
	}
	c.wmu.Lock()
	err := c.ws.WriteMessage(websocket.TextMessage, b)
	c.wmu.Unlock()
	if err != nil {
		s.t.Fatalf("slackfake: SendRaw: %v", err)
	}
}

// Disconnect sends Slack's disconnect envelope with a reason such as
// "refresh_requested", "warning" or "link_disabled".
func (s *Server) Disconnect(reason string) {
	s.t.Helper()
	c := s.current()
	if c == nil {
		s.t.Fatal("slackfake: no connection to disconnect")
	}
	msg := map[string]any{"type": "disconnect", "reason": reason, "debug_info": map[string]any{"host": "slackfake"}}
	if err := c.writeJSON(msg); err != nil {
		s.t.Fatalf("slackfake: disconnect: %v", err)
	}
}

// Drop closes the current connection abruptly: no close frame, no goodbye.
func (s *Server) Drop() {
	s.t.Helper()
	c := s.current()
	if c == nil {
		s.t.Fatal("slackfake: no connection to drop")
	}
	c.ws.UnderlyingConn().Close()
}

// Junk returns what the client sent that was not an ack (should be nothing).
func (s *Server) Junk() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.junk...)
}

// Acks returns every ack received so far.
func (s *Server) Acks() []Ack {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Ack(nil), s.acks...)
}

// AcksFor returns the acks of one envelope (more than one means a double ack).
func (s *Server) AcksFor(envelopeID string) []Ack {
	var out []Ack
	for _, a := range s.Acks() {
		if a.EnvelopeID == envelopeID {
			out = append(out, a)
		}
	}
	return out
}

// WaitAck waits for the first ack of an envelope and returns it.
func (s *Server) WaitAck(envelopeID string) Ack {
	s.t.Helper()
	var got Ack
	s.WaitFor("ack of "+envelopeID, func() bool {
		acks := s.AcksFor(envelopeID)
		if len(acks) == 0 {
			return false
		}
		got = acks[0]
		return true
	})
	return got
}

// Sent returns every envelope sent so far, redeliveries included.
func (s *Server) Sent() []Envelope {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Envelope(nil), s.sent...)
}

// Unacked returns the ids of Events API envelopes still awaiting an ack.
func (s *Server) Unacked() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id := range s.unacked {
		ids = append(ids, id)
	}
	return ids
}
