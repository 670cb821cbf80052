package bot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/storage"
)

// Delivery settings. Slack allows about one message per second per channel,
// with short bursts; more is answered 429 with Retry-After.
const (
	DefaultPaceRate   = 1.0 // messages per second per destination
	DefaultPaceBurst  = 3
	deliverySenders   = 8 // destinations sent to at once
	outboxBatch       = 64
	outboxMaxAttempts = 8
	outboxMaxBackoff  = 5 * time.Minute
	outboxIdlePoll    = 30 * time.Second
	outboxSendTimeout = 5 * time.Second
	// deliveryDebounce spaces the rounds a stream of enqueues wakes, so a
	// burst of captures costs a few outbox reads, not one each.
	deliveryDebounce = 10 * time.Millisecond
	// depthEvery is how often the outbox depth gauge is refreshed.
	depthEvery = time.Second
)

// outboxStore is what the delivery path needs of the database.
type outboxStore interface {
	DueOutbox(ctx context.Context, limit int, skip []string) ([]storage.OutboxRow, error)
	NextOutboxDue(ctx context.Context, after time.Time) (time.Time, bool, error)
	OutboxSent(ctx context.Context, id int64, channel, ts string) error
	OutboxRetry(ctx context.Context, id int64, next time.Time, errText string, counted bool) error
	OutboxDead(ctx context.Context, id int64, errText string) error
	// ClaimOutbox and HoldDestination share messages and destinations'
	// budgets with the other replicas on the same database, if any.
	ClaimOutbox(ctx context.Context, id int64, paceKey string, rate float64, burst int) (ok bool, retryAt time.Time, err error)
	RenewOutboxClaim(ctx context.Context, id int64) error
	HoldDestination(ctx context.Context, paceKey string, until time.Time, rate float64, burst int) error
	PendingOutbox(ctx context.Context) (int, error)
	CurrentTime() time.Time
}

// poster is the part of Slack the delivery path calls.
type poster interface {
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
	UploadFileContext(ctx context.Context, params slack.UploadFileParameters) (*slack.FileSummary, error)
}

// Delivery sends every message the bot writes to the outbox: each
// destination on its own pace (a token bucket at Slack's budget), one
// message in flight per destination, Retry-After honoured for that
// destination alone, replies before notifications before digests. A busy
// channel queues only itself.
type Delivery struct {
	db      outboxStore
	api     poster
	log     *slog.Logger
	metrics *Metrics
	now     func() time.Time

	// Rate and Burst are each destination's budget; Senders bounds the
	// destinations sent to at once.
	Rate    float64
	Burst   int
	Senders int

	wake chan struct{}

	mu       sync.Mutex
	paces    map[string]*pace // by pace key
	inflight map[string]bool  // pace keys with a send in flight
}

// pace is one destination's budget.
type pace struct {
	tokens  float64
	at      time.Time // when tokens was counted
	blocked time.Time // Retry-After: nothing before this
}

func newDelivery(db outboxStore, api poster, log *slog.Logger, metrics *Metrics) *Delivery {
	return &Delivery{
		db: db, api: api, log: log, metrics: metrics, now: time.Now,
		Rate: DefaultPaceRate, Burst: DefaultPaceBurst, Senders: deliverySenders,
		wake:  make(chan struct{}, 1),
		paces: map[string]*pace{}, inflight: map[string]bool{},
	}
}

// Kick wakes the delivery loop after something was enqueued. Given the
// destinations (pace keys) of what was enqueued, it wakes the loop only if
// one of them may be sent to now: a busy channel's queue growing costs no
// outbox reads.
func (d *Delivery) Kick(keys ...string) {
	if len(keys) > 0 {
		now := d.now()
		d.mu.Lock()
		waiting := true
		for _, k := range keys {
			if ok, _ := d.ready(k, now); ok && !d.inflight[k] {
				waiting = false
			}
		}
		d.mu.Unlock()
		if waiting {
			return // the loop wakes when those destinations may take a message
		}
	}
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// ready reports whether key may be sent to now, and if not, when it may.
// Call with d.mu held.
func (d *Delivery) ready(key string, now time.Time) (bool, time.Time) {
	p := d.paces[key]
	if p == nil || d.Rate <= 0 {
		return true, now // no budget yet, or pacing off
	}
	if now.Before(p.blocked) {
		return false, p.blocked
	}
	tokens := min(p.tokens+now.Sub(p.at).Seconds()*d.Rate, float64(d.Burst))
	if tokens >= 1 {
		return true, now
	}
	return false, now.Add(time.Duration((1 - tokens) / d.Rate * float64(time.Second)))
}

// paceOf is key's budget, a full one when it has none yet. Call with d.mu held.
func (d *Delivery) paceOf(key string, now time.Time) *pace {
	p := d.paces[key]
	if p == nil {
		p = &pace{tokens: float64(d.Burst), at: now}
		d.paces[key] = p
	}
	return p
}

// spend takes one token of key's budget. Call with d.mu held.
func (d *Delivery) spend(key string, now time.Time) {
	p := d.paceOf(key, now)
	p.tokens = min(p.tokens+now.Sub(p.at).Seconds()*d.Rate, float64(d.Burst)) - 1
	p.at = now
}

// skipList is every destination that cannot take a message now, and the
// earliest time one of them can. Idle, full budgets are forgotten.
func (d *Delivery) skipList(now time.Time) ([]string, time.Time) {
	d.mu.Lock()
	defer d.mu.Unlock()
	var skip []string
	var soonest time.Time
	for key := range d.inflight {
		skip = append(skip, key)
	}
	for key, p := range d.paces {
		if d.inflight[key] {
			continue
		}
		ok, at := d.ready(key, now)
		if ok {
			if !now.Before(p.blocked) && p.tokens+now.Sub(p.at).Seconds()*d.Rate >= float64(d.Burst) {
				delete(d.paces, key)
			}
			continue
		}
		skip = append(skip, key)
		if soonest.IsZero() || at.Before(soonest) {
			soonest = at
		}
	}
	return skip, soonest
}

// Run delivers until ctx ends. Sends run under work, which outlives ctx
// through the shutdown drain; Run returns once the sends it started are
// recorded. Undelivered messages stay in the database for the next start.
func (d *Delivery) Run(ctx, work context.Context) {
	var sends sync.WaitGroup
	defer sends.Wait()
	slots := make(chan struct{}, max(d.Senders, 1))
	go d.gaugeDepth(ctx)
	for {
		now := d.now()
		skip, paced := d.skipList(now)
		readAt := d.db.CurrentTime() // the clock DueOutbox reads by
		due, err := d.db.DueOutbox(ctx, outboxBatch, skip)
		if err != nil && ctx.Err() == nil {
			d.log.Warn("read outbox", "err", err)
		}
		started := 0
		for _, r := range due {
			if ctx.Err() != nil {
				return
			}
			key := r.PaceKey()
			d.mu.Lock()
			ok, _ := d.ready(key, now)
			if d.inflight[key] || !ok {
				d.mu.Unlock()
				continue // one message at a time per destination, in order
			}
			select {
			case slots <- struct{}{}:
			default:
				d.mu.Unlock()
				continue // every sender busy; a finishing send wakes the loop
			}
			d.inflight[key] = true
			d.spend(key, now)
			d.mu.Unlock()
			started++
			sends.Add(1)
			d.metrics.inFlight.Inc()
			go func() {
				defer sends.Done()
				defer d.metrics.inFlight.Dec()
				d.send(work, r)
				<-slots
				d.mu.Lock()
				delete(d.inflight, key)
				d.mu.Unlock()
				d.Kick()
			}()
		}
		if started > 0 && len(due) == outboxBatch {
			continue
		}
		wait := outboxIdlePoll
		if next, ok, err := d.db.NextOutboxDue(ctx, readAt); err == nil && ok {
			wait = min(wait, max(next.Sub(d.db.CurrentTime()), 0))
		}
		if !paced.IsZero() {
			wait = min(wait, max(paced.Sub(now), time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-d.wake:
			t.Stop()
			// Let the enqueues of the same moment land before reading again.
			if !sleep(ctx, deliveryDebounce) {
				return
			}
		case <-t.C:
		}
	}
}

// sleep waits for d and reports whether ctx is still going.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// gaugeDepth keeps the outbox depth gauge current until ctx ends.
func (d *Delivery) gaugeDepth(ctx context.Context) {
	t := time.NewTicker(depthEvery)
	defer t.Stop()
	for {
		if n, err := d.db.PendingOutbox(ctx); err == nil {
			d.metrics.outboxDepth.Set(float64(n))
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// permanent are Slack errors that no retry will cure.
var permanent = map[string]bool{
	"channel_not_found": true, "not_in_channel": true, "is_archived": true, "user_not_found": true,
	"user_disabled": true, "cannot_dm_bot": true, "invalid_blocks": true, "msg_too_long": true,
	"no_text": true, "invalid_arguments": true, "restricted_action": true, "thread_not_found": true,
	"invalid_auth": true, "account_inactive": true, "token_revoked": true, "missing_scope": true,
}

// post sends one message as the row says: in a channel (and thread), only
// to one person (by DM when the bot is not in that channel), or by DM. It
// returns where the message landed, as Slack answered: the channel (a
// DM's D… id; "" for an ephemeral message) and the ts.
func (d *Delivery) post(ctx context.Context, r storage.OutboxRow) (channel, ts string, err error) {
	if len(r.File) > 0 {
		// A file (a digest's chart): uploaded and shared into its thread.
		// A retry after a failure uploads again; Slack drops uploads that
		// were never completed, so only one is shared.
		f, err := d.api.UploadFileContext(withGateScope(ctx, r.PaceKey()), slack.UploadFileParameters{
			Filename: r.FileName, FileSize: len(r.File), Reader: bytes.NewReader(r.File), Title: r.Text,
			Channel: r.Channel, ThreadTimestamp: r.ThreadTS, AltTxt: r.Text,
		})
		if err != nil {
			return "", "", err
		}
		return r.Channel, f.ID, nil
	}
	opts := []slack.MsgOption{slack.MsgOptionText(r.Text, false)}
	if r.Blocks != "" {
		var blocks slack.Blocks
		if err := json.Unmarshal([]byte(r.Blocks), &blocks); err == nil {
			opts = append(opts, slack.MsgOptionBlocks(blocks.BlockSet...))
		}
	}
	if r.ThreadTS != "" {
		opts = append(opts, slack.MsgOptionTS(r.ThreadTS))
	}
	ctx = withGateScope(ctx, r.PaceKey())
	if r.EphemeralUser == "" {
		return d.api.PostMessageContext(ctx, r.Channel, opts...)
	}
	ts, err = d.api.PostEphemeralContext(ctx, r.Channel, r.EphemeralUser, opts...)
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok && (se.Err == "not_in_channel" || se.Err == "channel_not_found") {
		// A command or shortcut in a channel the bot is not in: the answer
		// comes by DM instead.
		return d.api.PostMessageContext(ctx, r.EphemeralUser, opts...)
	}
	return "", ts, err
}

// renewClaim renews this replica's claim on message id every third of
// its lease until the returned stop is called: a send keeps the message
// its own however long it takes.
func (d *Delivery) renewClaim(ctx context.Context, log *slog.Logger, id int64) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(storage.OutboxLease / 3)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				if err := d.db.RenewOutboxClaim(context.WithoutCancel(ctx), id); err != nil {
					log.Warn("renew outbox claim", "err", err)
				}
			}
		}
	}()
	return func() { close(done) }
}

// send posts one outbox message and records what happened: sent (with the
// ts, in one statement), rescheduled (Retry-After on 429, for this
// destination alone; exponential backoff otherwise), or dead after
// outboxMaxAttempts or a permanent error.
func (d *Delivery) send(ctx context.Context, r storage.OutboxRow) {
	log := d.log.With("outbox", r.ID, "key", r.Key, "channel", r.Channel, "item", r.ItemID)
	// Another replica may hold the message, or have spent the destination's budget.
	ok, retryAt, err := d.db.ClaimOutbox(ctx, r.ID, r.PaceKey(), d.Rate, d.Burst)
	if err != nil || !ok {
		if err != nil {
			log.Warn("claim outbox message", "err", err)
		}
		if !retryAt.IsZero() {
			d.mu.Lock()
			d.paceOf(r.PaceKey(), d.now()).blocked = retryAt // nothing was sent: no token spent
			d.mu.Unlock()
		}
		return
	}
	stopRenewing := d.renewClaim(ctx, log, r.ID)
	// A send in flight is not cancelled by shutdown (that could post without
	// recording it); it is bounded instead, and the rate gate answers at once
	// when a Retry-After would outlast the bound. What happened is recorded
	// even during shutdown, with retries, so a delivered message stays sent.
	sctx, cancel := context.WithTimeout(ctx, outboxSendTimeout)
	channel, ts, err := d.post(sctx, r)
	cancel()
	stopRenewing() // what is left, recording it, is well within the lease
	rctx := context.WithoutCancel(ctx)
	record := func(do func(context.Context) error) {
		for attempt := 0; ; attempt++ {
			err := do(rctx)
			if err == nil {
				return
			}
			if attempt == 2 {
				log.Error("record outbox delivery", "err", err)
				return
			}
			time.Sleep(100 * time.Millisecond << attempt)
		}
	}
	if err == nil {
		record(func(ctx context.Context) error { return d.db.OutboxSent(ctx, r.ID, channel, ts) })
		d.metrics.outboxSent.Inc()
		return
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		until := d.now().Add(rl.RetryAfter)
		d.mu.Lock()
		d.spend(r.PaceKey(), d.now())
		d.paces[r.PaceKey()].blocked = until
		d.mu.Unlock()
		log.Info("rate limited; retrying after Retry-After", "retry_after", rl.RetryAfter)
		record(func(ctx context.Context) error {
			return d.db.HoldDestination(ctx, r.PaceKey(), until, d.Rate, d.Burst)
		})
		record(func(ctx context.Context) error {
			return d.db.OutboxRetry(ctx, r.ID, until, "ratelimited", false)
		})
		return
	}
	se, isSlack := errors.AsType[slack.SlackErrorResponse](err)
	if (isSlack && permanent[se.Err]) || r.Attempts+1 >= outboxMaxAttempts {
		log.Error("giving up on an outbox message; it stays as dead letter", "attempts", r.Attempts+1, "err", err)
		record(func(ctx context.Context) error { return d.db.OutboxDead(ctx, r.ID, err.Error()) })
		d.metrics.outboxDead.Inc()
		return
	}
	backoff := min(time.Second<<r.Attempts, outboxMaxBackoff)
	log.Warn("outbox delivery failed; retrying", "attempt", r.Attempts+1, "backoff", backoff, "err", err)
	record(func(ctx context.Context) error {
		return d.db.OutboxRetry(ctx, r.ID, d.now().Add(backoff), err.Error(), true)
	})
}
