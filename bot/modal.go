package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// captureMeta travels in the modal's private_metadata: where the capture
// came from and where to confirm it.
type captureMeta struct {
	Path     backlog.Capture `json:"p"`
	Channel  string          `json:"c,omitempty"`  // where to confirm (and the source channel)
	TS       string          `json:"ts,omitempty"` // source message
	ThreadTS string          `json:"th,omitempty"`
	Team     string          `json:"t,omitempty"`
	Reporter string          `json:"r,omitempty"` // source message's author
	Cut      bool            `json:"cut,omitempty"`
	For      string          `json:"u,omitempty"` // the person the modal was opened for
	Sig      string          `json:"s,omitempty"` // seals every field above
}

// fields are what the signature covers.
func (m captureMeta) fields() []string {
	cut := ""
	if m.Cut {
		cut = "cut"
	}
	return []string{"capture", string(m.Path), m.Channel, m.TS, m.ThreadTS, m.Team, m.Reporter, cut, m.For}
}

// sealMeta is meta for user as private_metadata, signed.
func (b *Handlers) sealMeta(meta captureMeta, user string) string {
	meta.For = user
	meta.Sig = b.seals.seal(meta.fields()...)
	js, _ := json.Marshal(meta) // a struct of strings always marshals
	return string(js)
}

// openMeta reads a submitted modal's private_metadata. Only metadata
// sealed for the person submitting is trusted; anything else is a plain
// "new request" from that person, confirmed by DM.
func (b *Handlers) openMeta(raw, user string) captureMeta {
	var meta captureMeta
	if err := json.Unmarshal([]byte(raw), &meta); err == nil && meta.For == user &&
		b.seals.opens(meta.Sig, meta.fields()...) &&
		(meta.Path == backlog.CaptureShortcut || meta.Path == backlog.CaptureModal) {
		return meta
	}
	if raw != "" {
		b.log.Warn("capture modal metadata not sealed for this user; capturing as a plain request", "user", user)
	}
	return captureMeta{Path: backlog.CaptureModal}
}

// captureMessageShortcut is "Add to backlog" on a message: the capture
// modal, prefilled from the message.
func (b *Handlers) captureMessageShortcut(ctx context.Context, req *Request) (*Reply, error) {
	m := req.Interaction.Message
	if m.BotID != "" || m.SubType == slack.MsgSubTypeBotMessage || m.User == "" {
		return nil, userErrorf("I don't capture messages posted by bots or apps.")
	}
	thread := m.ThreadTimestamp
	if thread == m.Timestamp {
		thread = ""
	}
	text := backlog.CleanText(Unescape(stripBotMention(m.Text, b.botUserID)))
	kind, rest, _ := backlog.SplitKind(text, backlog.KindFeedback)
	meta := captureMeta{Path: backlog.CaptureShortcut, Channel: req.Channel, TS: m.Timestamp, ThreadTS: thread,
		Team: req.Team, Reporter: m.User, Cut: utf8.RuneCountInString(rest) > maxInputText}
	return &Reply{Now: b.openCaptureModal(req.TriggerID, req.User, meta, backlog.Title(rest), rest, kind)}, nil
}

// newRequestShortcut is the global "New request" shortcut: an empty modal.
func (b *Handlers) newRequestShortcut(_ context.Context, req *Request) (*Reply, error) {
	meta := captureMeta{Path: backlog.CaptureModal}
	return &Reply{Now: b.openCaptureModal(req.TriggerID, req.User, meta, "", "", backlog.KindFeedback)}, nil
}

// openCaptureModal returns the Reply.Now that opens the capture modal right
// after the ack; the trigger id stays valid for 3 s.
func (b *Handlers) openCaptureModal(triggerID, user string, meta captureMeta, title, body string, kind backlog.Kind) func(context.Context) error {
	return func(ctx context.Context) error {
		var similar []backlog.Item
		if title != "" {
			// Bounded: the trigger id expires 3 s after the shortcut.
			sctx, cancel := context.WithTimeout(ctx, similarBudget)
			var err error
			if similar, err = b.db.Similar(sctx, title, 0, maxSimilar); err != nil {
				b.log.Warn("similar items for the modal skipped", "err", err)
			}
			cancel()
		}
		err := b.openView(ctx, triggerID, captureModal(meta, b.sealMeta(meta, user), title, body, kind, similar))
		if err != nil {
			return fmt.Errorf("open capture modal: %w", err)
		}
		return nil
	}
}

// captureSubmitted stores the capture modal's item. Field errors go back in
// the ack; on success the modal closes and the confirmation follows.
func (b *Handlers) captureSubmitted(ctx context.Context, req *Request) (*Reply, error) {
	meta := b.openMeta(req.Interaction.View.PrivateMetadata, req.User)
	if req.Interaction.View.State == nil {
		return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputTitle: "Give the request a title."})}, nil
	}
	values := req.Interaction.View.State.Values
	title := strings.TrimSpace(values[inputTitle][inputTitle].Value)
	body := values[inputBody][inputBody].Value
	kind, err := backlog.ParseKind(values[inputKind][inputKind].SelectedOption.Value)
	if err != nil {
		kind = backlog.KindFeedback
	}
	switch {
	case title == "":
		return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputTitle: "Give the request a title."})}, nil
	case utf8.RuneCountInString(title) > backlog.MaxTitle:
		return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputTitle: fmt.Sprintf("Keep the title to %d characters; put the rest in Details.", backlog.MaxTitle)})}, nil
	}
	labels, bad := parseLabels(values[inputLabels][inputLabels].Value)
	if bad != "" {
		return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputLabels: bad})}, nil
	}
	if len(labels) > 0 && !b.isAdmin(ctx, req.User) {
		// Nobody invents a label to land in a label-filtered digest.
		unknown, err := b.db.UnknownLabels(ctx, labels)
		if err != nil {
			return nil, err
		}
		if len(unknown) > 0 {
			return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputLabels: fmt.Sprintf(
				"%s is not a label yet; only product owners add new ones. Leave it out, or use a label already in use.",
				truncateRunes(strings.Join(unknown, ", "), 100))})}, nil
		}
	}
	if meta.Cut && meta.TS != "" {
		// The form held only the first 3,000 characters. If they were left
		// as they were, store the whole message (within capture.max_chars).
		if m, err := b.fetchMessage(ctx, meta.Channel, meta.TS, meta.ThreadTS); err == nil {
			full := backlog.CleanText(Unescape(stripBotMention(m.Text, b.botUserID)))
			_, full, _ = backlog.SplitKind(full, kind)
			if body == truncateRunes(full, maxInputText) {
				body = full
			}
		} else {
			b.log.Warn("re-read a long message for its full text; storing the form's text", "err", err)
		}
	}
	reporter := meta.Reporter
	if reporter == "" {
		reporter = req.User
	}
	team := meta.Team
	if team == "" {
		team = req.Team
	}
	// The modal closes with the bare ack; the confirmation goes to the
	// channel it came from, only to this person, or by DM.
	where := Reply{Channel: meta.Channel, Ephemeral: true}
	if where.Channel == "" {
		where.Channel = req.User
	}
	return b.captureReply(ctx, req, captureInput{
		Path: meta.Path, Title: title, Text: body, Kind: kind, KindFixed: true, Labels: labels, Plain: true,
		Reporter: reporter, Capturer: req.User,
		Source: backlog.Source{Team: team, Channel: meta.Channel, TS: meta.TS, ThreadTS: meta.ThreadTS},
	}, where)
}

// parseLabels reads "Reports, #billing" into ["reports", "billing"]. It
// returns a message for the person when a label is unusable.
func parseLabels(s string) ([]string, string) {
	var out []string
	seen := map[string]bool{}
	for _, f := range strings.Split(s, ",") {
		l := backlog.NormalizeLabel(f)
		if l == "" || seen[l] {
			continue
		}
		if !backlog.ValidLabel(l) {
			return nil, fmt.Sprintf("Keep each label to %d characters.", backlog.MaxLabel)
		}
		seen[l] = true
		out = append(out, l)
	}
	if len(out) > 10 {
		return nil, "Use at most 10 labels."
	}
	return out, ""
}
