package bot

import (
	"log/slog"

	"github.com/liaisonbot/liaison/storage"
)

// Handlers answer requests: one file per feature (capture, backlog
// commands, home, notifications, digests…), each handler a function of a
// Request returning a Reply. They reach Slack through the SlackAPI
// interface and send after the ack only through the delivery queue; they
// never see Socket Mode, so a test can call one and compare its Reply.
type Handlers struct {
	cfg      Config
	log      *slog.Logger
	db       *storage.DB
	api      SlackAPI
	metrics  *Metrics
	roles    *roles    // admin user group membership
	delivery *Delivery // every message sent after an ack
	sched    Scheduler // runs the digests
	seals    sealer    // signs values handed to Slack and back

	botUserID string // set from auth.test when Run starts
}
