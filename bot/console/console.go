// Package console is Slack for `liaison shell`: a stand-in the real bot
// runs on, with its same router, handlers, outbox and delivery path. What
// a person types becomes the envelope Slack would send; every Web API call
// the bot makes is printed as what Slack would show, rendered from Block
// Kit by bot.BlocksText.
package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"

	"github.com/liaisonbot/liaison/bot"
)

// Identity of the shell's workspace.
const (
	TeamID    = "T0SHELL"
	BotUserID = "U0LIAISON"
	BotID     = "B0LIAISON"
	// DefaultUser and DefaultChannel are who types, and where, until :user
	// or :channel says otherwise.
	DefaultUser    = "U0YOU"
	DefaultChannel = "C0SHELL"
)

// Console is the shell's Slack. It implements bot.Local.
type Console struct {
	events chan socketmode.Event

	mu       sync.Mutex
	out      io.Writer
	seq      int64
	acked    map[string]chan struct{}   // envelope id → closed when acked
	messages map[string][]slack.Message // by channel: what was typed and posted
	buttons  []press                    // the buttons last shown, for :press
	typedIn  string                     // the channel of the line being served
	form     *slack.ModalViewRequest    // the form open, for :submit
	formSent string                     // the envelope that submitted it
}

// press is a button on screen: what pressing it sends.
type press struct {
	label, actionID, value string
	options                []*slack.OptionBlockObject // a select's, for :choose
	channel, ts            string
}

// New is a console that prints to out.
func New(out io.Writer) *Console {
	return &Console{
		events:   make(chan socketmode.Event, 16),
		out:      out,
		seq:      time.Now().UnixMicro(),
		acked:    map[string]chan struct{}{},
		messages: map[string][]slack.Message{},
	}
}

var _ bot.Local = (*Console)(nil)

// nextTS is a fresh message timestamp, as Slack's: the clock in
// microseconds, and always later than the last (so a later session on the
// same database never reuses one); call with c.mu held.
func (c *Console) nextTS() string {
	c.seq = max(c.seq+1, time.Now().UnixMicro())
	return fmt.Sprintf("%d.%06d", c.seq/1_000_000, c.seq%1_000_000)
}

// printf writes one block of output; call with c.mu held.
func (c *Console) printf(format string, args ...any) {
	fmt.Fprintf(c.out, format, args...)
}

// show prints a message as "→ where: text", or with its blocks rendered
// below, indented; it remembers the message's buttons for :press.
func (c *Console) show(where, text string, blocks []slack.Block, channel, ts string) {
	body := strings.TrimRight(bot.BlocksText(blocks), "\n")
	if body == "" {
		body = bot.MrkdwnText(text)
	}
	c.remember(blocks, channel, ts)
	if where == "" {
		c.printf("%s\n", body)
		return
	}
	if !strings.Contains(body, "\n") {
		c.printf("→ %s: %s\n", where, body)
		return
	}
	c.printf("→ %s:\n  %s\n", where, strings.ReplaceAll(body, "\n", "\n  "))
}

// remember keeps the buttons of the message last shown that has any.
func (c *Console) remember(blocks []slack.Block, channel, ts string) {
	var found []press
	add := func(b *slack.ButtonBlockElement) {
		if b != nil && b.Text != nil {
			found = append(found, press{label: b.Text.Text, actionID: b.ActionID, value: b.Value, channel: channel, ts: ts})
		}
	}
	for _, bl := range blocks {
		switch v := bl.(type) {
		case *slack.ActionBlock:
			for _, e := range v.Elements.ElementSet {
				switch e := e.(type) {
				case *slack.ButtonBlockElement:
					add(e)
				case *slack.SelectBlockElement:
					label := ""
					if e.Placeholder != nil {
						label = e.Placeholder.Text
					}
					found = append(found, press{label: label, actionID: e.ActionID,
						options: e.Options, channel: channel, ts: ts})
				}
			}
		case *slack.SectionBlock:
			if v.Accessory != nil {
				add(v.Accessory.ButtonElement)
			}
		}
	}
	if len(found) > 0 {
		c.buttons = found
	}
}

// place names a destination: "DM to U1", "#C1", "#C1 thread 1.2".
func place(channel, thread string) string {
	switch {
	case bot.IsUserID(channel) || strings.HasPrefix(channel, "D"):
		return "DM to " + channel
	case thread != "":
		return "#" + channel + " thread " + thread
	}
	return "#" + channel
}

// formReader is an HTTP transport that answers every request in-process,
// keeping the form slack-go encoded: the message exactly as Slack would
// receive it, blocks included. Nothing leaves the process.
type formReader struct{ form url.Values } // one per message read

func (f *formReader) RoundTrip(r *http.Request) (*http.Response, error) {
	if err := r.ParseForm(); err != nil {
		return nil, err
	}
	f.form = r.PostForm
	body := `{"ok":true,"channel":"C","ts":"1.1","message_ts":"1.1"}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// message reads a message's options the way Slack would: slack-go encodes
// them for chat.postMessage, and formReader keeps the form.
func message(channel string, options []slack.MsgOption) (text, thread string, blocks []slack.Block, err error) {
	reader := &formReader{}
	client := slack.New("xoxb-shell", slack.OptionAPIURL("http://shell.invalid/api/"),
		slack.OptionHTTPClient(&http.Client{Transport: reader}))
	if _, _, err := client.PostMessage(channel, options...); err != nil {
		return "", "", nil, fmt.Errorf("read message: %w", err)
	}
	v := reader.form // PostMessage has returned: the request is done
	if js := v.Get("blocks"); js != "" {
		var bs slack.Blocks
		if err := json.Unmarshal([]byte(js), &bs); err != nil {
			return "", "", nil, fmt.Errorf("read blocks: %w", err)
		}
		blocks = bs.BlockSet
	}
	return v.Get("text"), v.Get("thread_ts"), blocks, nil
}

// The Web API, as the bot calls it.

// AuthTestContext answers auth.test: the shell's bot user.
func (c *Console) AuthTestContext(context.Context) (*slack.AuthTestResponse, error) {
	return &slack.AuthTestResponse{UserID: BotUserID, TeamID: TeamID, BotID: BotID, Team: "shell", User: "liaison"}, nil
}

// PostMessageContext prints chat.postMessage as where it lands and what it shows.
func (c *Console) PostMessageContext(_ context.Context, channel string, options ...slack.MsgOption) (string, string, error) {
	text, thread, blocks, err := message(channel, options)
	if err != nil {
		return "", "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.nextTS()
	c.messages[channel] = append(c.messages[channel], slack.Message{Msg: slack.Msg{
		Channel: channel, Timestamp: ts, ThreadTimestamp: thread, Text: text, BotID: BotID, User: BotUserID}})
	c.show(place(channel, thread), text, blocks, channel, ts)
	return channel, ts, nil
}

// PostEphemeralContext prints chat.postEphemeral: seen only by user.
func (c *Console) PostEphemeralContext(_ context.Context, channel, user string, options ...slack.MsgOption) (string, error) {
	text, _, blocks, err := message(channel, options)
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.nextTS()
	c.show("only "+user+" sees, in #"+channel, text, blocks, channel, ts)
	return ts, nil
}

// GetConversationHistoryContext answers conversations.history from what was typed and posted.
func (c *Console) GetConversationHistoryContext(_ context.Context, p *slack.GetConversationHistoryParameters) (*slack.GetConversationHistoryResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := &slack.GetConversationHistoryResponse{SlackResponse: slack.SlackResponse{Ok: true}}
	msgs := c.messages[p.ChannelID]
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.ThreadTimestamp != "" && m.ThreadTimestamp != m.Timestamp {
			continue // replies are not in the channel's history
		}
		if p.Latest == "" || m.Timestamp <= p.Latest {
			resp.Messages = append(resp.Messages, m)
			if len(resp.Messages) == max(p.Limit, 1) {
				break
			}
		}
	}
	return resp, nil
}

// GetConversationRepliesContext answers conversations.replies from what was typed and posted.
func (c *Console) GetConversationRepliesContext(_ context.Context, p *slack.GetConversationRepliesParameters) ([]slack.Message, bool, string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []slack.Message
	for _, m := range c.messages[p.ChannelID] {
		if m.Timestamp == p.Timestamp || m.ThreadTimestamp == p.Timestamp {
			out = append(out, m)
		}
	}
	if len(out) == 0 {
		return nil, false, "", slack.SlackErrorResponse{Err: "thread_not_found"}
	}
	return out, false, "", nil
}

// UploadFileContext is Slack's upload flow: the shell says a file was
// shared, and where. (`liaison digest preview --chart FILE` writes a chart.)
func (c *Console) UploadFileContext(_ context.Context, p slack.UploadFileParameters) (*slack.FileSummary, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ts := c.nextTS()
	c.show(place(p.Channel, p.ThreadTimestamp), fmt.Sprintf("[file %s: %s, %d bytes]", p.Filename, p.Title, p.FileSize), nil, p.Channel, ts)
	return &slack.FileSummary{ID: "F" + strings.ReplaceAll(ts, ".", ""), Title: p.Title}, nil
}

// GetPermalinkContext answers chat.getPermalink: the shell has none.
func (c *Console) GetPermalinkContext(context.Context, *slack.PermalinkParameters) (string, error) {
	return "", nil // the shell's messages have no web address
}

// OpenViewContext prints the form views.open shows, and keeps it for :submit.
func (c *Console) OpenViewContext(_ context.Context, _ string, view slack.ModalViewRequest) (*slack.ViewResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	title := ""
	if view.Title != nil {
		title = view.Title.Text
	}
	var fields []string
	for _, bl := range view.Blocks.BlockSet {
		if in, ok := bl.(*slack.InputBlock); ok && in.Label != nil {
			fields = append(fields, strings.ToLower(in.Label.Text))
		}
	}
	where := "a form opens, " + title
	c.form = nil // a view without inputs (an item's details) has nothing to submit
	if len(fields) > 0 {
		where += " (:submit " + strings.Join(fields, " | ") + " sends it)"
		c.form = &view
	}
	c.show(where, "", view.Blocks.BlockSet, "", "")
	return &slack.ViewResponse{SlackResponse: slack.SlackResponse{Ok: true}}, nil
}

// PublishViewContext prints the App Home views.publish shows.
func (c *Console) PublishViewContext(_ context.Context, req slack.PublishViewContextRequest) (*slack.ViewResponse, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.show("App Home of "+req.UserID, "", req.View.Blocks.BlockSet, "", "")
	return &slack.ViewResponse{SlackResponse: slack.SlackResponse{Ok: true}}, nil
}

// GetUserGroupMembersContext answers usergroups.users.list: no groups.
func (c *Console) GetUserGroupMembersContext(context.Context, string, ...slack.GetUserGroupMembersOption) ([]string, error) {
	return nil, nil // the shell has no user groups: :admin says who is a product owner
}

// The transport: envelopes in, acks out.

// RunContext waits for ctx: the console is always connected.
func (c *Console) RunContext(ctx context.Context) error {
	<-ctx.Done()
	return nil
}

// Envelopes are what the person typed, as Slack would deliver it.
func (c *Console) Envelopes() <-chan socketmode.Event { return c.events }

// AckCtx prints a reply that rides in an ack (a slash command's answer, a
// form's errors) and lets the typed line's wait end.
func (c *Console) AckCtx(_ context.Context, envelopeID string, payload any) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if payload != nil {
		c.showAck(payload)
	} else if envelopeID == c.formSent {
		c.form = nil // accepted: Slack closes the form; with errors it stays open
	}
	if done, ok := c.acked[envelopeID]; ok {
		close(done)
		delete(c.acked, envelopeID)
	}
	return nil
}

// showAck prints an ack's payload; call with c.mu held.
func (c *Console) showAck(payload any) {
	js, err := json.Marshal(payload)
	if err != nil {
		c.printf("(an answer the shell cannot read: %v)\n", err)
		return
	}
	var ack struct {
		Text   string            `json:"text"`
		Blocks slack.Blocks      `json:"blocks"`
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	if err := json.Unmarshal(js, &ack); err != nil {
		c.printf("(an answer the shell cannot read: %v)\n", err)
		return
	}
	if ack.Action == "errors" {
		for _, k := range slices.Sorted(maps.Keys(ack.Errors)) {
			c.printf("form error, %s: %s\n", k, ack.Errors[k])
		}
		return
	}
	c.show("", ack.Text, ack.Blocks.BlockSet, c.typedIn, "")
}
