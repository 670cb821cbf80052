package bot

import (
	"context"
	"crypto/rand"
	"log/slog"

	"github.com/liaisonbot/liaison/storage"
	"github.com/slack-go/slack/socketmode"
)

// Transport carries envelopes in and acks out: Slack's Socket Mode, or a
// local stand-in (the shell).
type Transport interface {
	// RunContext serves until ctx ends; it returns early only when it gives up.
	RunContext(ctx context.Context) error
	// Envelopes are what arrives: envelopes and connection events.
	Envelopes() <-chan socketmode.Event
	AckCtx(ctx context.Context, envelopeID string, payload any) error
}

// socketTransport is Slack's Socket Mode client as a Transport.
type socketTransport struct{ *socketmode.Client }

func (s socketTransport) Envelopes() <-chan socketmode.Event { return s.Events }

// Local stands in for Slack where there is none (the shell): it takes the
// bot's Web API calls and hands it envelopes.
type Local interface {
	SlackAPI
	Transport
}

// NewLocal builds a bot on a local stand-in for Slack: the same router,
// handlers, outbox and delivery path as New, with no tokens. Messages are
// sent one at a time, unpaced, so they arrive in the order they are due.
func NewLocal(cfg Config, db *storage.DB, log *slog.Logger, sched Scheduler, local Local) *Bot {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand.Read never fails on supported platforms
	b := assemble(cfg, db, log, NewMetrics(nil), sched, local, local, newSealer(string(key)))
	b.delivery.Rate, b.delivery.Senders = 0, 1
	return b
}
