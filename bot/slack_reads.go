package bot

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/slack-go/slack"
)

// retryLater marks a failure that is Slack's passing trouble (rate limit,
// timeout, 5xx). For an Events API delivery the runtime leaves the envelope
// unacked so Slack redelivers it; anyone else is asked to try again.
type retryLater struct{ err error }

func (e *retryLater) Error() string { return "slack busy: " + e.err.Error() }
func (e *retryLater) Unwrap() error { return e.err }

// cannotRead is a message the bot may not read: not in the channel, or the
// channel or message is gone.
type cannotRead struct {
	channel string
	reason  string // Slack's error code
}

func (e *cannotRead) Error() string {
	return fmt.Sprintf("read message in %s: %s", e.channel, e.reason)
}

// classify sorts a Web API read error into retryLater, cannotRead or other.
func classify(channel string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*cannotRead](err); ok {
		return err
	}
	if _, ok := errors.AsType[*slack.RateLimitedError](err); ok {
		return &retryLater{err}
	}
	if sc, ok := errors.AsType[slack.StatusCodeError](err); ok && sc.Code >= http.StatusInternalServerError {
		return &retryLater{err}
	}
	if _, ok := errors.AsType[net.Error](err); ok || errors.Is(err, context.DeadlineExceeded) {
		return &retryLater{err}
	}
	if se, ok := errors.AsType[slack.SlackErrorResponse](err); ok {
		switch se.Err {
		case "not_in_channel", "channel_not_found", "thread_not_found", "message_not_found", "missing_scope":
			return &cannotRead{channel: channel, reason: se.Err}
		case "ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout":
			return &retryLater{err}
		}
	}
	return err
}

// fetchMessage reads one message, top-level or a thread reply, within the
// pre-ack budget. threadTS may be "" when unknown. A 429 is retried once
// when its Retry-After fits in the budget (the rate gate does the waiting).
func (b *Handlers) fetchMessage(ctx context.Context, channel, ts, threadTS string) (slack.Message, error) {
	ctx, cancel := withDeadline(ctx)
	defer cancel()
	var m slack.Message
	var err error
	for attempt := 0; attempt < 2; attempt++ {
		m, err = b.readMessage(ctx, channel, ts, threadTS)
		rl, limited := errors.AsType[*slack.RateLimitedError](err)
		if !limited {
			break
		}
		if dl, ok := ctx.Deadline(); ok && time.Until(dl) < rl.RetryAfter {
			break
		}
	}
	return m, classify(channel, err)
}

// readMessage is one attempt of fetchMessage.
func (b *Handlers) readMessage(ctx context.Context, channel, ts, threadTS string) (slack.Message, error) {
	if threadTS == "" || threadTS == ts {
		resp, err := b.api.GetConversationHistoryContext(ctx, &slack.GetConversationHistoryParameters{
			ChannelID: channel, Latest: ts, Inclusive: true, Limit: 1,
		})
		if err != nil {
			return slack.Message{}, err
		}
		if len(resp.Messages) == 1 && resp.Messages[0].Timestamp == ts {
			return resp.Messages[0], nil
		}
		threadTS = ts // not top-level: a thread reply, found through its thread
	}
	msgs, _, _, err := b.api.GetConversationRepliesContext(ctx, &slack.GetConversationRepliesParameters{
		ChannelID: channel, Timestamp: threadTS, Inclusive: true, Limit: 200,
	})
	if err != nil {
		return slack.Message{}, err
	}
	for _, m := range msgs {
		if m.Timestamp == ts {
			return m, nil
		}
	}
	return slack.Message{}, &cannotRead{channel: channel, reason: "message_not_found"}
}

// fromBot reports whether a message was posted by a bot or app (Liaison included).
func (b *Handlers) fromBot(m slack.Message) bool {
	return m.BotID != "" || m.SubType == slack.MsgSubTypeBotMessage || m.User == "" || m.User == b.botUserID
}
