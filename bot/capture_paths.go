package bot

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"

	"github.com/liaisonbot/liaison/backlog"
)

// Usage lines shown when a capture has nothing to capture.
const (
	usageFeedback = "Tell me what to capture, e.g. `/feedback feature: dark mode for reports` (kinds: `feature:`, `bug:`, `feedback:`, `idea:`). `/feedback` alone opens a form."
	usageMention  = "Tell me what to capture, e.g. `@Liaison feature: dark mode for reports`."
)

// source is the Slack message a request is about.
func (req *Request) source() backlog.Source {
	return backlog.Source{Team: req.Team, Channel: req.Channel, TS: req.TS, ThreadTS: req.ThreadTS}
}

// feedbackCommand is `/feedback <text>`; alone, it opens the capture modal.
func (b *Handlers) feedbackCommand(ctx context.Context, req *Request) (*Reply, error) {
	if strings.TrimSpace(req.Text) == "" {
		meta := captureMeta{Path: backlog.CaptureModal, Channel: req.Channel}
		return &Reply{Now: b.openCaptureModal(req.TriggerID, req.User, meta, "", "", backlog.KindFeedback)}, nil
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureSlash, Text: req.Text, Kind: backlog.KindFeedback,
		Reporter: req.User, Capturer: req.User,
		Source: backlog.Source{Team: req.Team, Channel: req.Channel},
		Usage:  usageFeedback,
	}, Reply{})
}

// captureVerb matches "capture", "track" or "track this" at the start of a mention.
var captureVerb = regexp.MustCompile(`(?i)^(capture|track this|track)\b[\s:]*`)

// mention answers `@Liaison …`: help, a capture (kind prefix or capture
// verb), a question about the backlog, or short help with a button to
// capture the message anyway.
func (b *Handlers) mention(ctx context.Context, req *Request) (*Reply, error) {
	text := req.Text
	if t := strings.ToLower(strings.Trim(text, " ?!.")); t == "" || t == "help" {
		return b.help(ctx, req)
	}
	inThread := req.ThreadTS != "" && req.ThreadTS != req.TS
	if m := captureVerb.FindStringIndex(text); m != nil {
		rest := strings.TrimSpace(text[m[1]:])
		if rest == "" || strings.EqualFold(rest, "this") {
			if !inThread {
				return nil, userErrorf("Mention me with `capture` inside a thread to capture its first message, or write `@Liaison feature: …` to capture what you say.")
			}
			return b.captureThreadParent(ctx, req)
		}
		text = rest
	} else if _, _, prefixed := backlog.SplitKind(text, ""); !prefixed {
		if reply, err := b.answerQuestion(ctx, req); reply != nil || err != nil {
			return reply, err
		}
		text, blocks := mentionHelp(req.Channel + " " + req.TS + " " + b.seals.seal("capture-mention", req.Channel, req.TS))
		return &Reply{Text: text, Blocks: blocks}, nil
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureMention, Text: text, Kind: backlog.KindFeedback,
		Reporter: req.User, Capturer: req.User, Source: req.source(), EventID: req.EventID,
		Usage: usageMention,
	}, Reply{})
}

// captureThreadParent captures the first message of the thread the request
// is in; its author is the reporter and the person asking the capturer.
func (b *Handlers) captureThreadParent(ctx context.Context, req *Request) (*Reply, error) {
	msg, err := b.fetchMessage(ctx, req.Channel, req.ThreadTS, req.ThreadTS)
	if err != nil {
		return readFailureReply(req.User, err)
	}
	if b.fromBot(msg) {
		return nil, userErrorf("I don't capture messages posted by bots or apps.")
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureThread, Text: stripBotMention(msg.Text, b.botUserID), Kind: backlog.KindFeedback,
		Reporter: msg.User, Capturer: req.User,
		Source:  backlog.Source{Team: req.Team, Channel: req.Channel, TS: msg.Timestamp},
		EventID: req.EventID, Usage: "That message has no text to capture.",
	}, Reply{})
}

// reactionKind maps a reaction to a kind; skin tones do not matter.
func (b *Handlers) reactionKind(name string) (backlog.Kind, bool) {
	name, _, _ = strings.Cut(name, "::")
	k, ok := b.cfg.Emoji[name]
	return k, ok
}

// reaction captures the message a mapped emoji was added to; the person who
// reacted becomes a follower (and voter). A :+1: on a capture confirmation
// is a vote instead (reactionVote). Other emoji are ignored.
func (b *Handlers) reaction(ctx context.Context, req *Request) (*Reply, error) {
	if isVoteReaction(req.Name) {
		if reply, voted, err := b.reactionVote(ctx, req); voted || err != nil {
			return reply, err
		}
	}
	kind, ok := b.reactionKind(req.Name)
	if !ok {
		return nil, nil
	}
	msg, err := b.fetchMessage(ctx, req.Channel, req.TS, "")
	if err != nil {
		return readFailureReply(req.User, err)
	}
	if b.fromBot(msg) {
		return &Reply{Text: "I don't capture messages posted by bots or apps.", Channel: req.User}, nil
	}
	thread := msg.ThreadTimestamp
	if thread == msg.Timestamp {
		thread = ""
	}
	where := Reply{Channel: req.Channel, Thread: msg.Timestamp}
	if thread != "" {
		where.Thread = thread
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureReaction, Text: stripBotMention(msg.Text, b.botUserID),
		Kind: kind, KindFixed: true,
		Reporter: msg.User, Capturer: req.User,
		Source:  backlog.Source{Team: req.Team, Channel: req.Channel, TS: msg.Timestamp, ThreadTS: thread},
		EventID: req.EventID, Usage: "That message has no text to capture.",
	}, where)
}

// channelMessage captures human messages in monitored channels: all of
// them, or only those with a kind prefix; top-level ones, and thread
// replies too when the channel's rule says so.
func (b *Handlers) channelMessage(ctx context.Context, req *Request) (*Reply, error) {
	rule, ok := b.cfg.Channels[req.Channel]
	if !ok {
		return nil, nil
	}
	ev, _ := req.Event.(*slackevents.MessageEvent)
	reply := req.ThreadTS != "" && req.ThreadTS != req.TS
	switch {
	case ev == nil, ev.BotID != "", req.User == "", req.User == b.botUserID:
		return nil, nil // bots and apps, Liaison included
	case ev.SubType != "" && !(rule.Threads && ev.SubType == slack.MsgSubTypeThreadBroadcast):
		return nil, nil // edits, deletions, joins (a reply also sent to the channel is a reply)
	case reply && !rule.Threads:
		return nil, nil // thread replies
	case strings.Contains(req.Text, "<@"+b.botUserID):
		return nil, nil // the app_mention of the same message handles it
	}
	if _, _, prefixed := backlog.SplitKind(req.Text, rule.Kind); rule.PrefixOnly && !prefixed {
		return nil, nil
	}
	if strings.TrimSpace(req.Text) == "" {
		return nil, nil // a file or an empty message: nothing to capture
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureChannel, Text: req.Text, Kind: rule.Kind,
		Reporter: req.User, Capturer: req.User, Source: req.source(), EventID: req.EventID,
	}, Reply{})
}

// directMessage answers a message in a DM with Liaison (its Messages tab)
// as a mention without the @: help, a question, a capture with a kind
// prefix or capture verb, else the short help; never silence. Messages
// from bots and apps (Liaison's own replies included), edits and other
// subtypes are not answered, so two bots never loop.
func (b *Handlers) directMessage(ctx context.Context, req *Request) (*Reply, error) {
	ev, _ := req.Event.(*slackevents.MessageEvent)
	if ev == nil || ev.BotID != "" || req.User == "" || req.User == b.botUserID {
		return nil, nil
	}
	switch ev.SubType {
	case "", "file_share", "thread_broadcast": // a person writing (with a file, or to the channel too)
	default:
		return nil, nil // edits, deletions, joins and the like
	}
	return b.mention(ctx, req)
}

// captureMentionButton is "Capture this as feedback" under the short help:
// it captures the mention it answered.
func (b *Handlers) captureMentionButton(ctx context.Context, req *Request) (*Reply, error) {
	parts := strings.Fields(actionValue(req))
	if len(parts) != 3 || !b.seals.opens(parts[2], "capture-mention", parts[0], parts[1]) {
		// Only the message the button was posted for: a value naming
		// another channel or message is not honoured.
		return nil, userErrorf("That button has expired; mention me again.")
	}
	channel, ts := parts[0], parts[1]
	msg, err := b.fetchMessage(ctx, channel, ts, "")
	if err != nil {
		if cr, ok := errors.AsType[*cannotRead](err); ok {
			return nil, userErrorf("I couldn't read that message (%s).", cr.reason)
		}
		return nil, err
	}
	if b.fromBot(msg) {
		return nil, userErrorf("I don't capture messages posted by bots or apps.")
	}
	thread := msg.ThreadTimestamp
	if thread == msg.Timestamp {
		thread = ""
	}
	return b.captureReply(ctx, req, captureInput{
		Path: backlog.CaptureMention, Text: stripBotMention(msg.Text, b.botUserID), Kind: backlog.KindFeedback,
		KindFixed: false, Reporter: msg.User, Capturer: req.User,
		Source: backlog.Source{Team: req.Team, Channel: channel, TS: msg.Timestamp, ThreadTS: thread},
		Usage:  "That message has no text to capture.",
	}, Reply{})
}

// actionValue is the value of the button that was pressed.
func actionValue(req *Request) string {
	if req.Interaction == nil || len(req.Interaction.ActionCallback.BlockActions) == 0 {
		return ""
	}
	return req.Interaction.ActionCallback.BlockActions[0].Value
}
