package bot

import (
	"context"

	"github.com/slack-go/slack"
)

// RequestKind says which Slack surface a request came from.
type RequestKind string

// The kinds of request the router produces.
const (
	KindCommand        RequestKind = "command"         // a slash command
	KindMention        RequestKind = "mention"         // app_mention
	KindMessage        RequestKind = "message"         // a message in a channel the bot is in
	KindDirectMessage  RequestKind = "direct_message"  // a message in a DM with the bot (its Messages tab)
	KindReaction       RequestKind = "reaction"        // reaction_added
	KindUnreaction     RequestKind = "unreaction"      // reaction_removed
	KindHomeOpened     RequestKind = "home_opened"     // app_home_opened
	KindAction         RequestKind = "action"          // block_actions
	KindShortcut       RequestKind = "shortcut"        // a global shortcut
	KindMessageAction  RequestKind = "message_action"  // a message shortcut
	KindViewSubmission RequestKind = "view_submission" // a modal submitted
)

// Request is one thing a person did in Slack, reduced to what handlers need.
// Handlers never see Socket Mode.
type Request struct {
	Kind       RequestKind
	EnvelopeID string
	EventID    string // Events API only: the delivery's id, stable across retries
	Retry      int    // Slack's retry_attempt

	Team     string
	User     string
	Channel  string
	TS       string // the message the request is about
	ThreadTS string // its thread, if any

	Text      string // command text, or message text with the bot mention removed
	Command   string // "/backlog"
	TriggerID string
	Name      string // action_id, callback_id or reaction name, by kind

	// Interaction is the whole interactive payload, for handlers that need more.
	Interaction *slack.InteractionCallback
	// Event is the inner Events API event (*slackevents.AppMentionEvent, …).
	Event any

	// recorded says the handler wrote EventID to the ledger itself, in the
	// transaction of its change (a capture), so the runtime need not.
	recorded bool
}

// Reply is what a handler wants said back. The runtime chooses where: in the
// slash command's ack (ephemeral unless InChannel), in the thread of a
// mention or message, or ephemerally for an interaction.
type Reply struct {
	Text      string // mrkdwn; user text in it has been through Escape
	Blocks    []slack.Block
	InChannel bool // slash commands only: visible to everyone in the channel

	// Channel, when set, is where to post instead of the request's channel
	// (a user id posts a DM); Thread puts the reply in that thread.
	Channel string
	Thread  string
	// Ephemeral shows a reply to a message, mention or reaction only to the
	// person who acted.
	Ephemeral bool

	// Ack, when set, is sent as the envelope's ack payload instead of
	// posting Text (a view_submission's response_action, say).
	Ack any

	// Render, when set, fills Text and Blocks once the durable work is done:
	// before the ack for a slash command (its reply rides in the ack), after
	// the ack for everything else, so reads that only shape the reply never
	// hold an ack back.
	Render func(ctx context.Context) (text string, blocks []slack.Block)

	// After runs once the envelope is acked, in the after-ack pool: the
	// place for slow Web API calls. Its error is logged.
	After func(ctx context.Context) error
	// Later runs once the envelope is acked, in the after-ack pool, and
	// its reply goes where this one does, as a second message: for an
	// answer that waits on something slow (a tracker filing an issue). An
	// error is answered as a handler's is.
	Later func(ctx context.Context) (*Reply, error)
	// Now runs right after the ack on its own, never waiting for the
	// after-ack pool: for answers that expire, such as views.open with a
	// trigger_id Slack honours for 3 s. Its error is logged.
	Now func(ctx context.Context) error
}

// HandlerFunc handles one request. It does its durable work before
// returning; the runtime acks only after it returns.
type HandlerFunc func(ctx context.Context, req *Request) (*Reply, error)
