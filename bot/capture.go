package bot

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// captureInput is one capture, whichever of the seven paths it came by.
type captureInput struct {
	Path backlog.Capture
	// Text is what was said, bot mention removed; a leading kind prefix is
	// read off it (its kind wins unless KindFixed).
	Text      string
	Kind      backlog.Kind // the kind when no prefix says otherwise
	KindFixed bool         // Kind wins over any prefix (reactions, the modal's select)
	Title     string       // given by the modal; otherwise derived from Text
	Labels    []string
	Reporter  string // author of the captured message
	Capturer  string // the person acting
	Source    backlog.Source
	EventID   string // Events API delivery, recorded with the item
	// Usage is shown when there is nothing to capture.
	Usage string
	// Plain says Title and Text came from a modal's inputs, which Slack does
	// not entity-encode; message and command text it does.
	Plain bool
	// Confirm renders the confirmation written with the capture (see storage.NewItem).
	Confirm func(storage.CaptureResult) []storage.OutboxMessage
}

// captured is what a capture produced, for the reply.
type captured struct {
	storage.CaptureResult
	Similar []backlog.Item
}

// maxSimilar is how many similar items a confirmation offers.
const maxSimilar = 3

// similarBudget bounds the similar-items lookup.
const similarBudget = 150 * time.Millisecond

// capture is the one capture path: it cleans the text, derives kind, title
// and body, and stores the item (or a +1 on the existing one) in a single
// transaction. It makes no Slack calls; the caller acks after it returns.
func (b *Handlers) capture(ctx context.Context, in captureInput) (*captured, error) {
	if !in.Plain {
		in.Text = Unescape(in.Text)
	}
	kind, text, _ := backlog.SplitKind(backlog.CleanText(in.Text), in.Kind)
	if in.KindFixed {
		kind = in.Kind
	}
	title := strings.TrimSpace(backlog.CleanText(in.Title))
	if title != "" {
		// A title someone typed is kept whole (the form caps its length);
		// only a kind prefix and extra spaces go.
		_, title, _ = backlog.SplitKind(title, kind)
		title = strings.Join(strings.Fields(title), " ")
	} else {
		title = backlog.Title(text)
	}
	if title == "" {
		return nil, &UserError{Msg: in.Usage}
	}
	if text == "" {
		text = title
	}
	res, err := b.db.Capture(ctx, storage.NewItem{
		Kind:     kind,
		Title:    title,
		Body:     backlog.CutBody(text, b.cfg.MaxChars),
		Reporter: in.Reporter,
		Capturer: in.Capturer,
		Capture:  in.Path,
		Source:   in.Source,
		Labels:   in.Labels,
		EventID:  in.EventID,
		Confirm:  in.Confirm,
	})
	if err != nil {
		return nil, err
	}
	b.metrics.captures.WithLabelValues(string(in.Path), fmt.Sprint(res.Created)).Inc()
	return &captured{CaptureResult: res}, nil
}

// confirmHold is how long a capture's confirmation waits in the outbox for
// its similar items; if they never come (a crash, say) it goes without.
const confirmHold = 3 * time.Second

// captureReply captures and answers with the confirmation. A slash
// command's confirmation rides in its ack, rendered with similar items once
// the capture is committed. Every other confirmation goes to where says
// (Reply's Channel, Thread and Ephemeral; zero: the request's default
// place) through the delivery path: it is written to the outbox in the
// capture's own transaction, held, and released after the ack with its
// similar items. After the ack the source message's permalink is recorded.
func (b *Handlers) captureReply(ctx context.Context, req *Request, in captureInput, where Reply) (*Reply, error) {
	inAck := req.Kind == KindCommand
	var dest storage.OutboxMessage
	if !inAck {
		var err error
		if dest, err = replyTo(req, &where); err != nil {
			return nil, err
		}
		in.Confirm = func(res storage.CaptureResult) []storage.OutboxMessage {
			m := dest
			m.ItemID = res.Item.ID
			m.Text, m.Blocks = renderJSON(confirmation(&captured{CaptureResult: res}))
			if res.Created {
				m.NotBefore = time.Now().Add(confirmHold)
			}
			return []storage.OutboxMessage{m}
		}
	}
	c, err := b.capture(ctx, in)
	if err != nil {
		return nil, err
	}
	withSimilar := func(ctx context.Context) (string, []slack.Block) {
		if c.Created {
			// Bounded, so a huge backlog cannot hold a slash command's ack.
			sctx, cancel := context.WithTimeout(ctx, similarBudget)
			similar, err := b.db.Similar(sctx, c.Item.Title, c.Item.ID, maxSimilar)
			cancel()
			if err != nil {
				b.log.Warn("similar items skipped", "item", c.Item.ID, "err", err)
			}
			c.Similar = similar
		}
		return confirmation(c)
	}
	// permalink asks Slack for the source message's permalink.
	permalink := func(ctx context.Context) string {
		if !c.Created || in.Source.TS == "" {
			return ""
		}
		link, err := b.api.GetPermalinkContext(ctx, &slack.PermalinkParameters{Channel: in.Source.Channel, Ts: in.Source.TS})
		if err != nil {
			b.log.Warn("permalink not recorded", "item", c.Item.ID, "err", err)
		}
		return link
	}
	if in.EventID != "" {
		req.recorded = true
	}
	if inAck {
		return &Reply{Render: withSimilar, After: func(ctx context.Context) error {
			if !c.Created {
				return nil
			}
			return b.db.CompleteCapture(ctx, storage.CaptureFollowUp{Item: c.Item.ID, Permalink: permalink(ctx)})
		}}, nil
	}
	return &Reply{After: func(ctx context.Context) error {
		defer b.queue.Kick(dest.PaceKey())
		if !c.Created {
			return nil
		}
		f := storage.CaptureFollowUp{Item: c.Item.ID, Confirm: dest.Key}
		f.Text, f.Blocks = renderJSON(withSimilar(ctx))
		f.Permalink = permalink(ctx)
		return b.db.CompleteCapture(ctx, f)
	}}, nil
}

// readFailureReply tells the person who acted why a message could not be
// captured, by DM, since the channel may be one the bot cannot post in.
func readFailureReply(user string, err error) (*Reply, error) {
	cr, ok := errors.AsType[*cannotRead](err)
	if !ok {
		return nil, err
	}
	var msg string
	switch cr.reason {
	case "not_in_channel", "channel_not_found", "missing_scope":
		msg = fmt.Sprintf("I can't read messages in %s. Invite me there with `/invite @Liaison`, then try again.", channelRef(cr.channel))
	default:
		msg = "I couldn't find that message any more; it may have been deleted."
	}
	return &Reply{Text: msg, Channel: user}, nil
}
