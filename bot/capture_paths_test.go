package bot

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage"
)

// Path 5: monitored channels.
func TestCaptureMonitoredChannel(t *testing.T) {
	h := startBot(t)
	_, all := h.slack.SendMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: "Exports time out for big workspaces"})
	h.slack.WaitAck(all.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindFeedback, "Exports time out for big workspaces", "U0BOB", "U0BOB", backlog.CaptureChannel)
	if reply := h.slack.WaitCall("chat.postMessage", nil); reply.Param("thread_ts") != it.Source.TS || reply.Param("channel") != feedChannel {
		t.Errorf("reply = %v", reply.Form)
	}

	parent := h.slack.Messages(feedChannel)[0]
	ignored := []slackfake.Message{
		{Channel: feedChannel, User: "U0BOB", Text: "a reply in the thread", ThreadTS: parent.TS},
		{Channel: feedChannel, User: "U0DEPLOY", BotID: "B0DEPLOY", Text: "bot says hi"},
		{Channel: feedChannel, User: "U0BOB", Subtype: "message_changed", Text: "edited"},
		{Channel: feedChannel, User: "U0BOB", Subtype: "channel_join", Text: "<@U0BOB> has joined the channel"},
		{Channel: feedChannel, User: slackfake.BotUserID, Text: "Liaison's own message"},
		{Channel: ideasChannel, User: "U0BOB", Text: "no prefix in a prefix-only channel"},
		{Channel: "C0GENERAL", User: "U0BOB", Text: "feature: an unmonitored channel"},
	}
	var envs []slackfake.Envelope
	for _, m := range ignored {
		_, env := h.slack.SendMessage(m)
		envs = append(envs, env)
	}
	_, prefixed := h.slack.SendMessage(slackfake.Message{Channel: ideasChannel, User: "U0CAROL", Text: "feature: Slack notifications for approvals"})
	envs = append(envs, prefixed)
	h.settle(envs...)
	items := h.items()
	if len(items) != 2 {
		for _, e := range items {
			t.Logf("item: %+v", e.Item)
		}
		t.Fatalf("%d items, want 2 (the first message and the prefixed one)", len(items))
	}
	wantItem(t, items[1].Item, backlog.KindFeature, "Slack notifications for approvals", "U0CAROL", "U0CAROL", backlog.CaptureChannel)
}

func TestCaptureMonitoredThreadRepliesWhenTheChannelSaysSo(t *testing.T) {
	h := startBot(t)
	parent, env := h.slack.SendMessage(slackfake.Message{Channel: threadsChannel, User: "U0BOB", Text: "Exports time out for big workspaces"})
	h.settle(env)
	reply, env := h.slack.SendMessage(slackfake.Message{Channel: threadsChannel, User: "U0CAROL", Text: "feature: CSV export of the audit log", ThreadTS: parent.TS})
	h.settle(env)
	it := h.item(2)
	wantItem(t, it, backlog.KindFeature, "CSV export of the audit log", "U0CAROL", "U0CAROL", backlog.CaptureChannel)
	if it.Source.Channel != threadsChannel || it.Source.TS != reply.TS || it.Source.ThreadTS != parent.TS {
		t.Errorf("source = %+v, want the reply %s in the thread of %s", it.Source, reply.TS, parent.TS)
	}
	confirmed := delivered(h, "Captured as *#2*")
	if !reflect.DeepEqual(confirmed, map[string]int{"thread:" + parent.TS: 1}) {
		t.Errorf("confirmations of #2 = %v, want one in the thread", confirmed)
	}
	// A reply also sent to the channel is a reply too.
	broadcast, env := h.slack.SendMessage(slackfake.Message{Channel: threadsChannel, User: "U0DAVE", Subtype: "thread_broadcast", Text: "Same for PDFs", ThreadTS: parent.TS})
	h.settle(env)
	if it := h.item(3); it.Source.TS != broadcast.TS || it.Reporter != "U0DAVE" {
		t.Errorf("broadcast reply captured as %+v", it)
	}

	// Not captured: replies in a channel without threads, Liaison's own
	// confirmation in the thread, other bots, edits, and a reply that
	// mentions Liaison (its app_mention answers it).
	var own slackfake.Message
	for _, m := range h.slack.Messages(threadsChannel) {
		if m.BotID == slackfake.BotID {
			own = m
		}
	}
	if own.TS == "" {
		t.Fatal("no confirmation in the thread")
	}
	top, env := h.slack.SendMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: "Search is slow"})
	h.settle(env)
	envs := []slackfake.Envelope{h.slack.SendEvent(slackfake.MessageEvent(own))}
	for _, m := range []slackfake.Message{
		{Channel: feedChannel, User: "U0CAROL", Text: "feature: a reply where threads are off", ThreadTS: top.TS},
		{Channel: feedChannel, User: "U0CAROL", Subtype: "thread_broadcast", Text: "a broadcast where threads are off", ThreadTS: top.TS},
		{Channel: threadsChannel, User: "U0DEPLOY", BotID: "B0DEPLOY", Text: "deployed", ThreadTS: parent.TS},
		{Channel: threadsChannel, User: "U0CAROL", Subtype: "message_changed", Text: "edited", ThreadTS: parent.TS},
		{Channel: threadsChannel, User: "U0CAROL", Text: bot + "top", ThreadTS: parent.TS},
	} {
		_, env := h.slack.SendMessage(m)
		envs = append(envs, env)
	}
	h.settle(envs...)
	if n := len(h.items()); n != 4 {
		for _, e := range h.items() {
			t.Logf("item: %+v", e.Item)
		}
		t.Errorf("%d items, want 4 (the parent, two replies, and the top-level message where threads are off)", n)
	}
}

func TestMentionInMonitoredChannelIsCapturedOnce(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: bot + "feature: Saved filters"})
	h.settle(h.slack.SendEvent(slackfake.MessageEvent(m)), h.slack.SendEvent(slackfake.AppMention(m)))
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items, want 1", n)
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d replies, want 1", n)
	}
}

// Path 6: the message shortcut opens the prefilled modal; submitting captures.
func TestCaptureMessageShortcut(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Kanban board for the roadmap", "U0DAVE", "C0GENERAL")) // something similar
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "feature: Kanban view of the roadmap\nSo sales can see what is coming."})
	env := h.slack.SendInteractive(slackfake.MessageAction(shortcutCaptureMessage, "U0ALICE", m))
	if a := h.slack.WaitAck(env.EnvelopeID); a.Payload != nil {
		t.Errorf("shortcut ack carried %s", a.Payload)
	}
	view := viewOf(t, h.slack.WaitCall("views.open", nil))
	if view.CallbackID != viewCapture || view.initial(inputTitle) != "Kanban view of the roadmap" || view.initial(inputKind) != "feature" ||
		view.initial(inputBody) != "Kanban view of the roadmap\nSo sales can see what is coming." {
		t.Errorf("prefilled modal: title %q kind %q body %q", view.initial(inputTitle), view.initial(inputKind), view.initial(inputBody))
	}
	if view.Meta.Path != backlog.CaptureShortcut || view.Meta.TS != m.TS || view.Meta.Reporter != "U0BOB" {
		t.Errorf("private_metadata = %+v", view.Meta)
	}
	if raw := h.slack.Calls("views.open")[0].Param("view"); !strings.Contains(raw, "Already in the backlog") {
		t.Error("the modal does not offer the similar item")
	}

	// Title validation comes back on the field.
	bad := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata, modalValues("  ", "", "feature", "")))
	var resp struct {
		Action string            `json:"response_action"`
		Errors map[string]string `json:"errors"`
	}
	json.Unmarshal(h.slack.WaitAck(bad.EnvelopeID).Payload, &resp)
	if resp.Action != "errors" || resp.Errors[inputTitle] == "" {
		t.Errorf("empty title ack = %+v", resp)
	}
	long := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata, modalValues(strings.Repeat("x", 121), "", "feature", "")))
	json.Unmarshal(h.slack.WaitAck(long.EnvelopeID).Payload, &resp)
	if resp.Errors[inputTitle] == "" {
		t.Errorf("121-character title ack = %+v", resp)
	}

	// Labels in use may be picked by anyone at capture (new ones only by product owners).
	h.slash(admin, "label 1 +roadmap +sales")
	sub := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata,
		modalValues("Kanban view of the roadmap", "So sales can see what is coming.", "feature", "Roadmap, #sales, roadmap")))
	if a := h.slack.WaitAck(sub.EnvelopeID); a.Payload != nil {
		t.Errorf("submission ack = %s", a.Payload)
	}
	it := h.item(2)
	wantItem(t, it, backlog.KindFeature, "Kanban view of the roadmap", "U0BOB", "U0ALICE", backlog.CaptureShortcut)
	if it.Source.TS != m.TS || it.Source.Channel != "C0GENERAL" || !reflect.DeepEqual(it.Labels, []string{"roadmap", "sales"}) {
		t.Errorf("source %+v labels %v", it.Source, it.Labels)
	}
	conf := h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return strings.Contains(c.Param("text"), "#2") })
	if conf.Param("user") != "U0ALICE" || conf.Param("channel") != "C0GENERAL" || !strings.Contains(conf.Param("blocks"), "Same as #1") {
		t.Errorf("confirmation = %v", conf.Form)
	}
	h.slack.WaitFor("the permalink", func() bool { return h.item(2).Source.Permalink != "" })

	// The same message again, by someone else: a +1, not a second item.
	h.settle(h.slack.SendInteractive(slackfake.MessageAction(shortcutCaptureMessage, "U0CAROL", m)))
	opened := h.slack.Calls("views.open")
	carols := viewOf(t, opened[len(opened)-1])
	again := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0CAROL", carols.PrivateMetadata, modalValues("Kanban", "", "feature", "")))
	h.slack.WaitAck(again.EnvelopeID)
	plus := h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return c.Param("user") == "U0CAROL" })
	if !strings.Contains(plus.Param("text"), "Already tracked as *#2* — added your +1") {
		t.Errorf("second capture reply = %q", plus.Param("text"))
	}
	if n := len(h.items()); n != 2 {
		t.Errorf("%d items, want 2", n)
	}
}

func TestMessageShortcutOnBotMessageRefused(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0DEPLOY", BotID: "B0DEPLOY", Text: "Deploy finished"})
	payload := slackfake.MessageAction(shortcutCaptureMessage, "U0ALICE", m)
	payload["message"].(map[string]any)["bot_id"] = "B0DEPLOY"
	h.slack.WaitAck(h.slack.SendInteractive(payload).EnvelopeID)
	if c := h.slack.WaitCall("chat.postEphemeral", nil); !strings.Contains(c.Param("text"), "bots") {
		t.Errorf("reply = %q", c.Param("text"))
	}
	if n := len(h.slack.Calls("views.open")); n != 0 {
		t.Error("a modal opened for a bot's message")
	}
}

// Path 7: the global shortcut opens an empty modal; the confirmation is a DM.
func TestCaptureGlobalShortcut(t *testing.T) {
	h := startBot(t)
	h.slack.WaitAck(h.slack.SendInteractive(slackfake.Shortcut(shortcutNewRequest, "U0ALICE")).EnvelopeID)
	view := viewOf(t, h.slack.WaitCall("views.open", nil))
	if view.initial(inputTitle) != "" || view.Meta.Path != backlog.CaptureModal {
		t.Errorf("modal = title %q meta %+v", view.initial(inputTitle), view.Meta)
	}
	sub := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata, modalValues("SSO with Okta", "Enterprise deals need it", "feature", "")))
	h.slack.WaitAck(sub.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindFeature, "SSO with Okta", "U0ALICE", "U0ALICE", backlog.CaptureModal)
	if it.Body != "Enterprise deals need it" {
		t.Errorf("body = %q", it.Body)
	}
	dm := h.slack.WaitCall("chat.postMessage", nil)
	if dm.Param("channel") != "U0ALICE" || !strings.Contains(dm.Param("text"), "*#1*") {
		t.Errorf("confirmation = %v", dm.Form)
	}
}

// Idempotency: a redelivered envelope and two reactions make one item.
func TestRedeliveredCaptureIsOneItem(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "feature: Audit log"})
	payload, _ := json.Marshal(slackfake.EventCallback(slackfake.AppMention(m)))
	first := h.slack.Send(slackfake.Envelope{Type: "events_api", Payload: payload})
	h.slack.WaitAck(first.EnvelopeID)
	again := h.slack.Send(slackfake.Envelope{Type: "events_api", Payload: payload, RetryAttempt: 1, RetryReason: "timeout"})
	h.settle(again)
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items after a redelivery, want 1", n)
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d confirmations, want 1", n)
	}
}

func TestTwoReactionsByTwoUsersAreOneItemTwoFollowers(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Dark mode please"})
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m)))
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0CAROL", "memo", m)))
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0CAROL", "bulb", m)))
	items := h.items()
	if len(items) != 1 {
		t.Fatalf("%d items, want 1", len(items))
	}
	e := items[0]
	if !reflect.DeepEqual(e.Followers, []string{"U0BOB", "U0ALICE", "U0CAROL"}) || !reflect.DeepEqual(e.Voters, []string{"U0BOB", "U0ALICE", "U0CAROL"}) {
		t.Errorf("followers %v voters %v: want the reporter and both reactors", e.Followers, e.Voters)
	}
	if e.Item.Kind != backlog.KindFeature {
		t.Errorf("kind = %s; the first capture decides", e.Item.Kind)
	}
	replies := h.slack.Calls("chat.postMessage")
	if len(replies) != 3 || !strings.Contains(replies[1].Param("text"), "Already tracked as *#1* — added your +1 (3 votes)") ||
		!strings.Contains(replies[2].Param("text"), "Already tracked as *#1* ·") {
		for _, r := range replies {
			t.Logf("reply: %s", r.Param("text"))
		}
		t.Error("replies do not say the item was already tracked")
	}
}

// Commit before ack: at the moment the ack reaches Slack, the item is in SQLite.
func TestCaptureIsCommittedBeforeAck(t *testing.T) {
	h := newHarness(t)
	var mu sync.Mutex
	found := map[string]int{} // envelope id → items present at its ack
	h.slack.OnAck = func(a slackfake.Ack) {
		n := 0
		err := h.db.EachItem(context.Background(), func(storage.ExportItem) error { n++; return nil })
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			n = -1
		}
		found[a.EnvelopeID] = n
	}
	h.start()
	// One at a time, so at envelope i's ack exactly i items can exist.
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Webhooks for status changes"})
	send := []func() slackfake.Envelope{
		func() slackfake.Envelope {
			return h.slack.SendSlash("/feedback", "feature: one", "U0ALICE", "C0GENERAL")
		},
		func() slackfake.Envelope { return h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m)) },
		func() slackfake.Envelope {
			_, e := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "bug: three"})
			return e
		},
	}
	for i, f := range send {
		e := f()
		h.slack.WaitAck(e.EnvelopeID)
		mu.Lock()
		got := found[e.EnvelopeID]
		mu.Unlock()
		if got != i+1 {
			t.Errorf("envelope %d: %d items in SQLite when its ack arrived, want %d", i, got, i+1)
		}
	}
}
