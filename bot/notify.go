package bot

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Outbox delivery settings.
const (
	outboxBatch       = 20
	outboxMaxAttempts = 8
	outboxMaxBackoff  = 5 * time.Minute
	outboxIdlePoll    = 30 * time.Second
	outboxSendTimeout = 5 * time.Second
)

// changeNotifier renders, for a change to an item, one reply in its source
// thread (naming no one) and one DM per follower, as the notify mode says.
// Keys make each message once per change per destination.
func (b *Bot) changeNotifier(reason string, into *backlog.Item) storage.Notifier {
	return func(it backlog.Item, followers []string, eventID int64) []storage.OutboxMessage {
		mode := b.cfg.NotifyMode
		if mode == "" {
			mode = "both"
		}
		thread, dm := changeTexts(it, reason, into)
		var out []storage.OutboxMessage
		if (mode == "thread" || mode == "both") && it.Source.Channel != "" && it.Source.TS != "" {
			ts := it.Source.ThreadTS
			if ts == "" {
				ts = it.Source.TS
			}
			out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:thread", eventID), ItemID: it.ID,
				Channel: it.Source.Channel, ThreadTS: ts, Text: thread})
		}
		if mode == "dm" || mode == "both" {
			for _, u := range followers {
				if !isUserID(u) {
					continue
				}
				out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:dm:%s", eventID, u), ItemID: it.ID,
					Channel: u, Text: dm})
			}
		}
		return out
	}
}

// changeTexts are the thread reply and the DM announcing an item's new state.
func changeTexts(it backlog.Item, reason string, into *backlog.Item) (thread, dm string) {
	name := fmt.Sprintf("*#%d* %s", it.ID, Escape(it.Title))
	switch {
	case it.Status == backlog.StatusDuplicate && into != nil:
		target := fmt.Sprintf("*#%d* %s", into.ID, Escape(into.Title))
		thread = fmt.Sprintf("%s was merged into %s. Votes and followers moved there.", name, target)
		dm = fmt.Sprintf("%s, which you follow, was merged into %s. Your vote moved there and you'll hear about it from now on.", name, target)
	case it.Status == backlog.StatusPlanned:
		thread = fmt.Sprintf("%s is now *planned*.", name)
		dm = fmt.Sprintf("Good news: %s, which you follow, is now *planned*.", name)
	case it.Status == backlog.StatusInProgress:
		thread = fmt.Sprintf("Work has started on %s.", name)
		dm = fmt.Sprintf("Work has started on %s, which you follow.", name)
	case it.Status == backlog.StatusShipped:
		thread = fmt.Sprintf("%s has *shipped* :tada:", name)
		dm = fmt.Sprintf("%s, which you follow, has *shipped* :tada:", name)
	case it.Status == backlog.StatusDeclined:
		thread = fmt.Sprintf("%s was *declined*: %s", name, Escape(reason))
		dm = fmt.Sprintf("%s, which you follow, was *declined*: %s", name, Escape(reason))
	default:
		thread = fmt.Sprintf("%s is now *%s*.", name, it.Status.Label())
		dm = thread
	}
	return thread, dm
}

// kick wakes the outbox worker after something was enqueued.
func (b *Bot) kick() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// runOutbox delivers outbox messages until ctx ends: due messages in order,
// then it sleeps until the next one is due or something is enqueued. Sends
// run under work, which outlives ctx through the shutdown drain.
// Undelivered messages stay in the database for the next start.
func (b *Bot) runOutbox(ctx, work context.Context) {
	for {
		due, err := b.db.DueOutbox(ctx, outboxBatch)
		if err != nil && ctx.Err() == nil {
			b.log.Warn("read outbox", "err", err)
		}
		for _, r := range due {
			if ctx.Err() != nil {
				return
			}
			b.busy.Add(1)
			b.send(work, r)
			b.busy.Add(-1)
		}
		if len(due) == outboxBatch {
			continue
		}
		if c, err := b.db.OutboxStats(ctx); err == nil {
			b.metrics.outboxDepth.Set(float64(c.Pending))
		}
		wait := outboxIdlePoll
		if next, ok, err := b.db.NextOutboxDue(ctx); err == nil && ok {
			wait = min(wait, max(time.Until(next), 0))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-b.wake:
			t.Stop()
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

// send posts one outbox message and records what happened: sent (with the
// ts, in one statement), rescheduled (Retry-After on 429, exponential backoff
// otherwise), or dead after outboxMaxAttempts or a permanent error.
func (b *Bot) send(ctx context.Context, r storage.OutboxRow) {
	log := b.log.With("outbox", r.ID, "key", r.Key, "channel", r.Channel, "item", r.ItemID)
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
	// A send in flight is not cancelled by shutdown (that could post without
	// recording it); it is bounded instead, and the rate gate answers at once
	// when a Retry-After would outlast the bound. What happened is recorded
	// even during shutdown, with retries, so a delivered message stays sent.
	sctx, cancel := context.WithTimeout(ctx, outboxSendTimeout)
	_, ts, err := b.api.PostMessageContext(sctx, r.Channel, opts...)
	cancel()
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
		record(func(ctx context.Context) error { return b.db.OutboxSent(ctx, r.ID, ts) })
		b.metrics.outboxSent.Inc()
		return
	}
	if rl, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		log.Info("rate limited; retrying after Retry-After", "retry_after", rl.RetryAfter)
		record(func(ctx context.Context) error {
			return b.db.OutboxRetry(ctx, r.ID, time.Now().Add(rl.RetryAfter), "ratelimited", false)
		})
		return
	}
	se, isSlack := errors.AsType[slack.SlackErrorResponse](err)
	if (isSlack && permanent[se.Err]) || r.Attempts+1 >= outboxMaxAttempts {
		log.Error("giving up on an outbox message; it stays as dead letter", "attempts", r.Attempts+1, "err", err)
		record(func(ctx context.Context) error { return b.db.OutboxDead(ctx, r.ID, err.Error()) })
		b.metrics.outboxDead.Inc()
		return
	}
	backoff := min(time.Second<<r.Attempts, outboxMaxBackoff)
	log.Warn("outbox delivery failed; retrying", "attempt", r.Attempts+1, "backoff", backoff, "err", err)
	record(func(ctx context.Context) error {
		return b.db.OutboxRetry(ctx, r.ID, time.Now().Add(backoff), err.Error(), true)
	})
}
