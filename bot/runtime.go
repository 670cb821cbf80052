// Package bot is Liaison in Slack: the Socket Mode runtime, the router from
// envelopes to typed requests, and the handlers that answer them.
package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Config is what the bot needs from Liaison's configuration.
type Config struct {
	BotToken string // xoxb-…
	AppToken string // xapp-…
	APIURL   string // Web API base URL; "" for Slack's own

	// Emoji maps a reaction name to the kind it captures as.
	Emoji map[string]backlog.Kind
	// Channels are the monitored channels, by channel id.
	Channels map[string]ChannelRule
	// MaxChars is the longest stored body; 0 means backlog.DefaultMaxBody.
	MaxChars int

	// Admins (user ids) and the members of AdminGroup (a user group id)
	// triage, prioritise and decide.
	Admins     []string
	AdminGroup string
	// Team may give effort estimates (admins may too).
	Team []string
	// NotifyMode is where followers hear about changes: one of NotifyModes;
	// "" means NotifyBoth.
	NotifyMode string
	// EffortSizes maps S/M/L/XL to person-weeks.
	EffortSizes map[string]float64
	// Timezone is the default IANA zone of digests made in Slack; ""
	// means backlog.DefaultTimezone.
	Timezone string
	// Digests are the subscriptions of the configuration file.
	Digests []storage.Subscription
	// Trackers are the GitHub and Jira sites linked issues are followed on.
	Trackers TrackerConfig
	// RoadmapURL is the roadmap page's public address; App Home and
	// digests link to it. "" for none.
	RoadmapURL string
}

// withDefaults fills what the configuration left unset.
func (c Config) withDefaults() Config {
	if c.MaxChars <= 0 {
		c.MaxChars = backlog.DefaultMaxBody
	}
	if c.NotifyMode == "" {
		c.NotifyMode = NotifyBoth
	}
	if c.Timezone == "" {
		c.Timezone = backlog.DefaultTimezone
	}
	return c
}

// ChannelRule says how a monitored channel is captured.
type ChannelRule struct {
	PrefixOnly bool         // only messages that start with a kind prefix
	Kind       backlog.Kind // kind when no prefix says otherwise
	Threads    bool         // human replies in threads too, each its own item
}

// Timing and capacity of the runtime.
const (
	// DefaultShutdownTimeout bounds Run's whole shutdown, leaving the
	// process a second to close the rest within SPEC's 10 s.
	DefaultShutdownTimeout = 9 * time.Second
	// handlerTimeout bounds a handler's work before the ack: the ack goes
	// out well within Slack's 3 s whatever the handler waits on.
	handlerTimeout = 2500 * time.Millisecond
	// maxAfter bounds the after-ack work running at once; more waits its
	// turn in a queue of afterQueue, off the socket loop, so a full pool
	// holds up no ack.
	maxAfter   = 32
	afterQueue = 1 << 16
	// triggerLife is how long Slack honours a trigger_id.
	triggerLife = 3 * time.Second
	// afterTimeout bounds one envelope's after-ack work.
	afterTimeout = 30 * time.Second
	// ackTimeout bounds the wait to hand an ack to the socket.
	ackTimeout = 5 * time.Second
	// eventMemory is how long a handled event_id is remembered; Slack
	// retries a delivery for minutes.
	eventMemory = time.Hour
	// outboxMemory is how long a sent message is kept (for /backlog stats
	// and the debugging of a delivery).
	outboxMemory = 7 * 24 * time.Hour
	// pruneEvery is how often forgotten event ids are deleted.
	pruneEvery = 10 * time.Minute
	// ackFlush is how long shutdown lets the socket writer send the last acks.
	ackFlush = 250 * time.Millisecond
	// maxRedeliveries is how often Slack redelivers an unacked event; the
	// last delivery of a failing event is acked with an error reply.
	maxRedeliveries = 3
)

// Bot is Liaison connected to one Slack workspace: the Socket Mode runtime
// (socket, dispatch, ack, the after-ack pool) around the Handlers, which
// know nothing of Socket Mode.
type Bot struct {
	*Handlers
	socket   Transport
	router   *router
	delivery *Delivery // every message sent after an ack

	// ShutdownTimeout bounds how long Run waits for in-flight handlers after
	// its context ends.
	ShutdownTimeout time.Duration
	ackFlush        time.Duration

	connected atomic.Bool
	lastAck   atomic.Int64 // unix nanoseconds of the last ack handed to the socket
	pruning   atomic.Bool  // a prune runs, off the socket loop
	inflight  sync.WaitGroup
	after     chan afterTask // after-ack work waiting for one of maxAfter workers
}

// New builds a bot that talks to Slack with cfg's tokens, keeps its state
// in db and runs digests on sched. Metrics may be nil.
func New(cfg Config, db *storage.DB, log *slog.Logger, metrics *Metrics, sched Scheduler) *Bot {
	if metrics == nil {
		metrics = NewMetrics(nil)
	}
	opts := []slack.Option{
		slack.OptionAppLevelToken(cfg.AppToken),
		slack.OptionHTTPClient(&http.Client{
			Timeout:   30 * time.Second,
			Transport: newRateGate(meteredTransport{next: http.DefaultTransport, metrics: metrics}),
		}),
	}
	if cfg.APIURL != "" {
		u := cfg.APIURL
		if !strings.HasSuffix(u, "/") {
			u += "/"
		}
		opts = append(opts, slack.OptionAPIURL(u))
	}
	api := slack.New(cfg.BotToken, opts...)
	socket := socketmode.New(api,
		socketmode.OptionLog(slog.NewLogLogger(log.Handler(), slog.LevelDebug)))
	return assemble(cfg, db, log, metrics, sched, api, socketTransport{socket}, newSealer(cfg.BotToken))
}

// assemble wires a bot around its Slack client and transport.
func assemble(cfg Config, db *storage.DB, log *slog.Logger, metrics *Metrics, sched Scheduler, api SlackAPI, socket Transport, seals sealer) *Bot {
	h := &Handlers{
		cfg:     cfg.withDefaults(),
		log:     log,
		db:      db,
		api:     api,
		metrics: metrics,
		roles:   newRoles(api, cfg.AdminGroup, log),
		sched:   sched,
		seals:   seals,
		now:     time.Now,
	}
	b := &Bot{
		Handlers:        h,
		delivery:        newDelivery(db, api, log, metrics),
		socket:          socket,
		router:          newRouter(),
		ShutdownTimeout: DefaultShutdownTimeout,
		ackFlush:        ackFlush,
		after:           make(chan afterTask, afterQueue),
	}
	h.queue = b.delivery
	h.SetAdmins(cfg.Admins)
	trackers, err := newTrackers(cfg.Trackers, metrics, func() time.Time { return h.now() })
	if err != nil {
		log.Error("trackers are off", "err", err)
		trackers, _ = newTrackers(TrackerConfig{}, metrics, time.Now)
	}
	h.trackers = trackers
	b.routes()
	return b
}

// Idle reports whether nothing is being served or sent and nothing in the
// outbox is due: what the shell waits for before its prompt, and tests
// before asserting that something did not happen.
func (b *Bot) Idle(ctx context.Context) (bool, error) {
	if b.inFlight() != 0 {
		return false, nil
	}
	due, err := b.db.DueOutbox(ctx, 1, nil)
	if err != nil {
		return false, err
	}
	// Counted again: a send may have started between the two reads.
	return len(due) == 0 && b.inFlight() == 0, nil
}

// inFlight is the liaison_in_flight gauge's value.
func (b *Bot) inFlight() float64 {
	var m dto.Metric
	if err := b.metrics.inFlight.Write(&m); err != nil {
		return 0
	}
	return m.GetGauge().GetValue()
}

// Connected reports whether the Socket Mode connection is up.
func (b *Bot) Connected() bool { return b.connected.Load() }

// Run connects to Slack and serves envelopes until ctx ends. Then it stops
// taking envelopes (Slack redelivers unacked ones), waits up to
// ShutdownTimeout for in-flight handlers, closes the socket and returns nil.
// It returns an error when Slack refuses the tokens.
func (b *Bot) Run(ctx context.Context) error {
	auth, err := b.api.AuthTestContext(ctx)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return nil
		}
		if _, refused := errors.AsType[slack.SlackErrorResponse](err); refused {
			return fmt.Errorf("slack.bot_token: Slack refused it (%v); check the Bot User OAuth Token under OAuth & Permissions, and that the app is installed", err)
		}
		return fmt.Errorf("reach Slack's Web API: %w (check the network, or slack.api_url / LIAISON_SLACK_API_URL)", err)
	}
	b.botUserID = auth.UserID
	b.log.Info("bot authenticated", "team", auth.TeamID, "bot_user", auth.UserID)

	// Handlers and the socket outlive ctx so in-flight work can finish and ack.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	sockCtx, stopSocket := context.WithCancel(context.WithoutCancel(ctx))
	defer stopSocket()
	sockErr := make(chan error, 1)
	go func() { sockErr <- b.socket.RunContext(sockCtx) }()

	outboxCtx, stopOutbox := context.WithCancel(ctx)
	defer stopOutbox()
	outboxDone := make(chan struct{})
	go func() {
		defer close(outboxDone)
		b.delivery.Run(outboxCtx, work)
	}()
	go b.roles.run(outboxCtx)
	stopAfter := make(chan struct{})
	for range maxAfter {
		go b.afterWorker(stopAfter)
	}
	defer func() {
		close(stopAfter)
		for { // what is still queued was counted in; let it go
			select {
			case <-b.after:
				b.metrics.inFlight.Dec()
				b.inflight.Done()
			default:
				return
			}
		}
	}()

	if err := b.startDigests(work); err != nil {
		stopOutbox() // sends in flight are recorded before it returns
		<-outboxDone
		return fmt.Errorf("start digests: %w", err)
	}
	b.startTrackers(work)

	b.prune(work)
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()

	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-sockErr:
			// RunContext returns only when it gives up: Slack refused the app token.
			runErr = fmt.Errorf("slack.app_token: Socket Mode connection refused (%v); check the App-Level Token under Basic Information and that Socket Mode is on", err)
			sockErr <- err
			break loop
		case evt := <-b.socket.Envelopes():
			b.handleEvent(work, evt)
		case <-prune.C:
			b.prune(work)
		}
	}

	stopOutbox() // pending messages stay in the outbox for the next start
	sctx, cancelSched := context.WithTimeout(context.Background(), b.ShutdownTimeout/10)
	if err := b.sched.Stop(sctx); err != nil {
		b.log.Warn("stop scheduler", "err", err)
	}
	cancelSched()
	// One deadline for the whole shutdown: in-flight work gets most of it,
	// cancelled work a moment to unwind, the last acks a moment to flush.
	b.log.Info("shutting down: waiting for in-flight work", "timeout", b.ShutdownTimeout)
	if !waitTimeout(&b.inflight, b.ShutdownTimeout*8/10) {
		b.log.Warn("shutdown timeout: cancelling in-flight work")
		stopWork()
		waitTimeout(&b.inflight, b.ShutdownTimeout/10)
	}
	// slack-go writes acks from its own goroutine and has no flush: give
	// the last acks a moment to reach the socket before closing it.
	if wait := b.ackFlush - time.Since(time.Unix(0, b.lastAck.Load())); wait > 0 {
		time.Sleep(wait)
	}
	stopSocket()
	select {
	case <-sockErr:
	case <-time.After(b.ShutdownTimeout / 20):
		b.log.Warn("socket did not close in time")
	}
	<-outboxDone
	b.connected.Store(false)
	return runErr
}

// waitTimeout waits for wg up to d and reports whether it finished.
func waitTimeout(wg *sync.WaitGroup, d time.Duration) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(d):
		return false
	}
}

// prune runs pruneEvents on its own goroutine, counted as in flight.
func (b *Bot) prune(ctx context.Context) {
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		b.pruneEvents(ctx)
	}()
}

// pruneEvents forgets handled event ids older than eventMemory and
// indexes the titles whose capture follow-up never ran (a crash). It runs
// on its own goroutine, one at a time.
func (b *Bot) pruneEvents(ctx context.Context) {
	if !b.pruning.CompareAndSwap(false, true) {
		return // the last one is still at it
	}
	defer b.pruning.Store(false)
	for {
		n, err := b.db.IndexPendingTitles(ctx, 500)
		if err != nil {
			b.log.Warn("index pending titles", "err", err)
			break
		}
		if n < 500 {
			break
		}
	}
	if n, err := b.db.PruneOutbox(ctx, time.Now().Add(-outboxMemory)); err != nil {
		b.log.Warn("prune sent messages", "err", err)
	} else {
		b.log.Debug("pruned sent messages", "count", n)
	}
	n, err := b.db.PruneEvents(ctx, time.Now().Add(-eventMemory))
	if err != nil {
		b.log.Warn("prune processed events", "err", err)
		return
	}
	b.log.Debug("pruned processed events", "count", n)
}

// handleEvent reacts to one Socket Mode event: connection state changes are
// recorded, envelopes are handed to serve.
func (b *Bot) handleEvent(ctx context.Context, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnecting:
		b.connected.Store(false)
		b.log.Debug("connecting to Slack")
	case socketmode.EventTypeConnectionError:
		b.connected.Store(false)
		b.log.Warn("Socket Mode connection failed; retrying", "err", evt.Data)
	case socketmode.EventTypeInvalidAuth:
		b.connected.Store(false)
		b.log.Error("Slack refused the app-level token")
	case socketmode.EventTypeConnected:
		b.connected.Store(true)
		count := 0
		if c, ok := evt.Data.(*socketmode.ConnectedEvent); ok {
			count = c.ConnectionCount
		}
		b.log.Info("connected to Slack", "connection", count+1)
	case socketmode.EventTypeHello:
		b.log.Debug("hello from Slack")
	case socketmode.EventTypeIncomingError:
		// A frame slack-go could not read: it keeps the connection (a lost
		// connection shows as connecting/connection error), so health does too.
		b.log.Warn("Socket Mode message unreadable; dropped", "err", evt.Data)
	case socketmode.EventTypeErrorWriteFailed:
		b.log.Warn("Socket Mode write failed", "err", evt.Data)
	case socketmode.EventTypeErrorBadMessage:
		b.ackUnparsed(ctx, evt)
	case socketmode.EventTypeEventsAPI, socketmode.EventTypeSlashCommand, socketmode.EventTypeInteractive:
		b.metrics.envelopes.WithLabelValues(string(evt.Type)).Inc()
		b.dispatch(ctx, evt, time.Now())
	default:
		b.log.Debug("Socket Mode event ignored", "type", evt.Type)
	}
}

// ackUnparsed acks an envelope slack-go could not parse (an envelope type or
// inner event type it does not know), so Slack does not redeliver it.
func (b *Bot) ackUnparsed(ctx context.Context, evt socketmode.Event) {
	bad, ok := evt.Data.(*socketmode.ErrorBadMessage)
	if !ok {
		return
	}
	var env struct {
		EnvelopeID string `json:"envelope_id"`
		Type       string `json:"type"`
	}
	if err := json.Unmarshal(bad.Message, &env); err != nil || env.EnvelopeID == "" {
		b.log.Warn("unreadable Socket Mode message dropped", "err", bad.Cause)
		return
	}
	// The type is whatever the frame said: counted under a bounded name.
	b.metrics.envelopes.WithLabelValues("unknown").Inc()
	b.log.Debug("envelope not handled; acked", "envelope_id", env.EnvelopeID, "type", env.Type, "err", bad.Cause)
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := b.socket.AckCtx(actx, env.EnvelopeID, nil); err != nil {
		b.log.Warn("ack", "envelope_id", env.EnvelopeID, "err", err)
	}
}

// dispatch serves one envelope on its own goroutine and returns at once:
// the socket loop never waits for a handler. Each handler is bounded by
// handlerTimeout before its ack and afterTimeout after it.
func (b *Bot) dispatch(ctx context.Context, evt socketmode.Event, received time.Time) {
	req := toRequest(evt, b.botUserID)
	if req == nil {
		b.log.Debug("envelope not handled; acked", "envelope_id", evt.Request.EnvelopeID, "type", evt.Type)
		if err := b.ack(ctx, evt.Request.EnvelopeID, nil, received); err != nil {
			b.log.Warn("ack", "envelope_id", evt.Request.EnvelopeID, "err", err)
		}
		return
	}
	b.inflight.Add(1)
	b.metrics.inFlight.Inc()
	go func() {
		defer b.inflight.Done()
		defer b.metrics.inFlight.Dec()
		b.serve(ctx, req, received)
	}()
}

// serve runs the handler for req, acks, then hands the reply and the
// reply's After to the after-ack pool. The handler's durable work is done
// before the ack.
func (b *Bot) serve(ctx context.Context, req *Request, received time.Time) {
	log := b.log.With("envelope_id", req.EnvelopeID, "kind", req.Kind,
		"team", req.Team, "channel", req.Channel, "user", req.User)
	defer func() {
		if r := recover(); r != nil {
			log.Error("panic after ack", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	hctx, cancel := context.WithTimeout(ctx, handlerTimeout)
	defer cancel()

	if req.EventID != "" {
		seen, err := b.db.EventSeen(hctx, req.EventID)
		if err != nil {
			log.Warn("event ledger unavailable; handling anyway", "err", err)
		}
		if seen {
			log.Debug("redelivery of a handled event; acked", "event_id", req.EventID, "retry", req.Retry)
			if err := b.ack(ctx, req.EnvelopeID, nil, received); err != nil {
				log.Warn("ack", "err", err)
			}
			return
		}
	}

	h := b.router.handler(req)
	if h == nil {
		h = b.unhandled
	}
	reply, err := call(hctx, h, req)
	if err != nil && req.EventID != "" && !isUserError(err) && (isRetryLater(err) || req.Retry < maxRedeliveries) {
		// Slack redelivers an unacked Events API envelope: a capture that
		// failed (Slack busy, database trouble) is retried, not lost.
		log.Warn("handling failed; leaving the envelope unacked so Slack redelivers it", "retry", req.Retry, "err", err)
		return
	}
	if req.EventID != "" && !req.recorded {
		if err := b.db.MarkEventProcessed(hctx, req.EventID); err != nil {
			log.Warn("record handled event", "event_id", req.EventID, "err", err)
		}
	}
	if err == nil && req.Kind == KindCommand && reply != nil && reply.Render != nil {
		// A slash command's reply rides in its ack: render it now, and let
		// a panic there be answered like a handler's.
		reply, err = call(hctx, func(ctx context.Context, _ *Request) (*Reply, error) {
			reply.Text, reply.Blocks = reply.Render(ctx)
			reply.Render = nil
			return reply, nil
		}, req)
	}
	if err != nil {
		reply = failed(log, err)
	}
	b.deliver(ctx, log, req, reply, received)
}

// failed logs a handler's error once and returns the answer it gets: a
// user error's own words, else "Something went wrong" with a reference
// to the log line.
func failed(log *slog.Logger, err error) *Reply {
	ref := newRef()
	pe, isPanic := errors.AsType[*panicError](err)
	switch {
	case isPanic:
		log.Error("handler panicked", "ref", ref, "panic", pe.value, "stack", string(pe.stack))
	case isUserError(err), isRetryLater(err):
		log.Debug("request refused", "err", err)
	default:
		log.Error("handler failed", "ref", ref, "err", err)
	}
	return &Reply{Text: publicText(err, ref)}
}

// panicError is a recovered handler panic.
type panicError struct {
	value any
	stack []byte
}

func (e *panicError) Error() string { return fmt.Sprintf("panic: %v", e.value) }

// call runs h, turning a panic into a *panicError.
func call(ctx context.Context, h HandlerFunc, req *Request) (reply *Reply, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: debug.Stack()}
		}
	}()
	return h(ctx, req)
}

func isUserError(err error) bool {
	_, ok := errors.AsType[*UserError](err)
	return ok
}

func isRetryLater(err error) bool {
	_, ok := errors.AsType[*retryLater](err)
	return ok
}

// unhandled answers requests nothing is routed to: slash commands get a
// pointer to help; everything else is acked silently.
func (b *Bot) unhandled(_ context.Context, req *Request) (*Reply, error) {
	if req.Kind == KindCommand {
		return nil, userErrorf("`%s` is not available in this version of Liaison. `/backlog help` lists what works.", Escape(req.Command))
	}
	b.log.Debug("no handler", "kind", req.Kind, "name", req.Name)
	return nil, nil
}

// commandResponse is a slash command's reply carried in its ack.
type commandResponse struct {
	ResponseType string        `json:"response_type"`
	Text         string        `json:"text"`
	Blocks       []slack.Block `json:"blocks,omitempty"`
}

// deliver acks the envelope (with the reply in the ack where Slack allows
// it); the rest — rendering, queueing the reply for the delivery path, and
// After — runs in the after-ack pool.
func (b *Bot) deliver(ctx context.Context, log *slog.Logger, req *Request, reply *Reply, received time.Time) {
	var payload any
	hasText := reply != nil && (reply.Text != "" || len(reply.Blocks) > 0 || reply.Render != nil)
	switch {
	case reply == nil:
	case reply.Ack != nil:
		payload = reply.Ack
	case req.Kind == KindCommand && hasText:
		rt := slack.ResponseTypeEphemeral
		if reply.InChannel {
			rt = slack.ResponseTypeInChannel
		}
		payload = commandResponse{ResponseType: rt, Text: cutMarkup(reply.Text, maxMessageText), Blocks: fit(reply.Blocks, maxMessageBlocks)}
	}
	if err := b.ack(ctx, req.EnvelopeID, payload, received); err != nil {
		if payload == nil {
			log.Warn("ack", "err", err)
			return
		}
		// Too big for an ack (20 KB): ack bare and post the reply instead.
		log.Debug("reply does not fit in the ack; posting it", "err", err)
		payload = nil
		if err := b.ack(ctx, req.EnvelopeID, nil, received); err != nil {
			log.Warn("ack", "err", err)
			return
		}
	}
	if reply != nil && reply.Now != nil {
		b.inflight.Add(1)
		b.metrics.inFlight.Inc()
		go func() {
			defer b.inflight.Done()
			defer b.metrics.inFlight.Dec()
			nctx, cancel := context.WithTimeout(ctx, triggerLife)
			defer cancel()
			if err := reply.Now(nctx); err != nil {
				log.Warn("answer after ack", "err", err)
			}
		}()
	}
	queue := hasText && payload == nil
	if !queue && (reply == nil || reply.After == nil && reply.Later == nil) {
		return
	}
	b.afterAck(ctx, log, func(ctx context.Context) error {
		if queue {
			if reply.Render != nil {
				reply.Text, reply.Blocks = reply.Render(ctx)
			}
			if err := b.queueReply(ctx, req, reply, replyKey(req)); err != nil {
				log.Warn("queue reply", "err", err)
			}
		}
		if reply.Later != nil {
			b.later(ctx, log, req, reply.Later)
		}
		if reply.After != nil {
			return reply.After(ctx)
		}
		return nil
	})
}

// later runs a reply's Later and queues what it answers, an error as a
// handler's error is answered.
func (b *Bot) later(ctx context.Context, log *slog.Logger, req *Request, fn func(ctx context.Context) (*Reply, error)) {
	reply, err := call(ctx, func(ctx context.Context, _ *Request) (*Reply, error) { return fn(ctx) }, req)
	if err != nil {
		reply = failed(log, err)
	}
	if reply == nil || reply.Text == "" && len(reply.Blocks) == 0 {
		return
	}
	if err := b.queueReply(ctx, req, reply, replyKey(req)+":later"); err != nil {
		log.Warn("queue later reply", "err", err)
	}
}

// afterTask is one envelope's after-ack work, waiting for a worker.
type afterTask struct {
	ctx context.Context
	log *slog.Logger
	fn  func(ctx context.Context) error
}

// afterAck queues fn for the after-ack workers: the caller never waits. A
// queue that is full (afterQueue tasks waiting) drops the work with a
// warning rather than hold up an ack; a capture's confirmation, already in
// the outbox, still goes out.
func (b *Bot) afterAck(ctx context.Context, log *slog.Logger, fn func(ctx context.Context) error) {
	b.inflight.Add(1)
	b.metrics.inFlight.Inc()
	select {
	case b.after <- afterTask{ctx: ctx, log: log, fn: fn}:
	default:
		log.Warn("after-ack queue full; work dropped")
		b.metrics.inFlight.Dec()
		b.inflight.Done()
	}
}

// afterWorker runs queued after-ack work until stop is closed.
func (b *Bot) afterWorker(stop <-chan struct{}) {
	for {
		select {
		case t := <-b.after:
			b.runAfter(t)
		case <-stop:
			return
		}
	}
}

// runAfter runs one task, bounded by afterTimeout; once its context has
// ended (shutdown ran out of time) it is dropped unrun.
func (b *Bot) runAfter(t afterTask) {
	defer b.inflight.Done()
	defer b.metrics.inFlight.Dec()
	if t.ctx.Err() != nil {
		t.log.Warn("shutting down: after-ack work dropped")
		return
	}
	defer func() {
		if r := recover(); r != nil {
			t.log.Error("panic after ack", "panic", r, "stack", string(debug.Stack()))
		}
	}()
	actx, cancel := context.WithTimeout(t.ctx, afterTimeout)
	defer cancel()
	if err := t.fn(actx); err != nil {
		t.log.Warn("after ack", "err", err)
	}
}

// ack acknowledges an envelope, optionally with a payload, and records the latency.
func (b *Bot) ack(ctx context.Context, envelopeID string, payload any, received time.Time) error {
	actx, cancel := context.WithTimeout(ctx, ackTimeout)
	defer cancel()
	if err := b.socket.AckCtx(actx, envelopeID, payload); err != nil {
		return err
	}
	b.lastAck.Store(time.Now().UnixNano())
	b.metrics.ackSeconds.Observe(time.Since(received).Seconds())
	return nil
}

// replyKey names the reply to req in the outbox: the same delivery
// redelivered is the same reply.
func replyKey(req *Request) string {
	if req.EventID != "" {
		return "reply:" + req.EventID
	}
	return "reply:" + req.EnvelopeID
}

// replyTo is where a reply to req goes after the ack. By default a message,
// mention or reaction is answered in its thread, a direct message in the
// DM (in its thread only if it was a thread reply), and everything else
// ephemerally to the person who acted; Reply.Channel, Thread and Ephemeral
// override that. A reply to a user id (no channel) arrives as a DM from
// the app.
func replyTo(req *Request, reply *Reply) (storage.OutboxMessage, error) {
	channel, thread := reply.Channel, reply.Thread
	if channel == "" {
		channel = req.Channel
		if thread == "" {
			thread = req.ThreadTS
		}
	}
	if channel == "" && (req.Kind == KindViewSubmission || req.Kind == KindShortcut) {
		channel = req.User // no channel to answer in (a closed modal, a global shortcut): by DM
	}
	public := !reply.Ephemeral && (req.Kind == KindMention || req.Kind == KindMessage ||
		req.Kind == KindReaction || req.Kind == KindDirectMessage)
	if public && reply.Channel == "" && thread == "" && req.Kind != KindDirectMessage {
		thread = req.TS // a DM is answered in the conversation, not in a thread
	}
	m := storage.OutboxMessage{Key: replyKey(req), Channel: channel, ThreadTS: thread, Lane: storage.LaneReply}
	switch {
	case channel == "":
		return m, errors.New("no channel to reply in")
	case !public && !IsUserID(channel):
		m.EphemeralUser = req.User
	}
	return m, nil
}

// queueReply hands a rendered reply to the delivery path.
func (b *Bot) queueReply(ctx context.Context, req *Request, reply *Reply, key string) error {
	m, err := replyTo(req, reply)
	if err != nil {
		return err
	}
	m.Key = key
	m.Text, m.Blocks = renderJSON(reply.Text, reply.Blocks)
	if err := b.db.Enqueue(ctx, m); err != nil {
		return err
	}
	b.delivery.Kick(m.PaceKey())
	return nil
}
