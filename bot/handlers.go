package bot

import (
	"log/slog"
	"sync/atomic"
	"time"

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
	roles    *roles        // admin user group membership
	queue    deliveryQueue // wakes the delivery path after an enqueue
	sched    Scheduler     // runs the digests
	seals    sealer        // signs values handed to Slack and back
	trackers *trackers     // GitHub and Jira, when configured

	adminUsers atomic.Pointer[[]string] // cfg.Admins, replaceable by the shell

	botUserID string // set from auth.test when Run starts

	// now is the handlers' clock (time.Now; tests may fix it).
	now func() time.Time
}

// deliveryQueue is what handlers need of the delivery path: messages go
// into the outbox through the store, and Kick says where.
type deliveryQueue interface {
	Kick(paceKeys ...string)
}
