package bot

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage"
)

const bot = "<@" + slackfake.BotUserID + "> "

// item reads item id from the database, failing the test if it is missing.
func (h *harness) item(id int64) backlog.Item {
	h.t.Helper()
	it, err := h.db.Item(context.Background(), id)
	if err != nil {
		h.t.Fatalf("item #%d: %v", id, err)
	}
	return it
}

// items returns every stored item.
func (h *harness) items() []storage.ExportItem {
	h.t.Helper()
	var out []storage.ExportItem
	if err := h.db.EachItem(context.Background(), func(e storage.ExportItem) error { out = append(out, e); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// voters and followers of item id.
func (h *harness) people(id int64) (voters, followers []string) {
	h.t.Helper()
	var v []string
	for _, e := range h.items() {
		if e.Item.ID == id {
			v = e.Voters
		}
	}
	f, err := h.db.Followers(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v, f
}

// settle waits for the acks of envs and then for the bot to be idle, so
// every reply and After of those envelopes has happened: after it a test
// may assert that something did NOT happen.
func (h *harness) settle(envs ...slackfake.Envelope) {
	h.t.Helper()
	for _, e := range envs {
		h.slack.WaitAck(e.EnvelopeID)
	}
	h.slack.WaitFor("the bot to be idle", h.idle)
}

// idle reports whether the bot serves nothing and has nothing due to send.
func (h *harness) idle() bool {
	if h.bot.Busy() != 0 {
		return false
	}
	due, err := h.db.DueOutbox(context.Background(), 1, nil)
	return err == nil && len(due) == 0 && h.bot.Busy() == 0
}

func wantItem(t *testing.T, it backlog.Item, kind backlog.Kind, title, reporter, capturer string, path backlog.Capture) {
	t.Helper()
	if it.Kind != kind || it.Title != title || it.Reporter != reporter || it.Capturer != capturer || it.Capture != path || it.Status != backlog.StatusNew {
		t.Errorf("item #%d = kind %q title %q reporter %q capturer %q capture %q status %q;\nwant kind %q title %q reporter %q capturer %q capture %q status new",
			it.ID, it.Kind, it.Title, it.Reporter, it.Capturer, it.Capture, it.Status, kind, title, reporter, capturer, path)
	}
}

// Path 1: /feedback <text>.
func TestCaptureSlashFeedback(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/feedback", "feature: Dark mode for reports. Our analysts work at night.", "U0ALICE", "C0GENERAL")
	rt, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	if rt != "ephemeral" || !strings.Contains(text, "Captured as *#1* · Feature request · new") || !strings.Contains(text, "Dark mode for reports") {
		t.Errorf("ack = %s %q", rt, text)
	}
	it := h.item(1)
	wantItem(t, it, backlog.KindFeature, "Dark mode for reports", "U0ALICE", "U0ALICE", backlog.CaptureSlash)
	if it.Body != "Dark mode for reports. Our analysts work at night." || it.Source.Channel != "C0GENERAL" || it.Source.TS != "" {
		t.Errorf("body %q source %+v", it.Body, it.Source)
	}
	if v, f := h.people(1); !reflect.DeepEqual(v, []string{"U0ALICE"}) || !reflect.DeepEqual(f, []string{"U0ALICE"}) {
		t.Errorf("voters %v followers %v", v, f)
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("a slash capture posted %d channel messages; its confirmation is the ephemeral ack", n)
	}
}

func TestCaptureSlashDefaultsToFeedbackAndIdeaIsFeature(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "The export button is hard to find", "U0ALICE", "C0GENERAL"),
		h.slack.SendSlash("/feedback", "IDEA: kanban board", "U0ALICE", "C0GENERAL"),
		h.slack.SendSlash("/feedback", "bug: login fails on Safari", "U0ALICE", "C0GENERAL"))
	got := map[string]backlog.Kind{}
	for _, e := range h.items() {
		got[e.Item.Title] = e.Item.Kind
	}
	want := map[string]backlog.Kind{"The export button is hard to find": "feedback", "kanban board": "feature", "login fails on Safari": "bug"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("kinds = %v, want %v", got, want)
	}
}

func TestCaptureSlashEmptyTextExplainsUsage(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/feedback", "feature:", "U0ALICE", "C0GENERAL")
	if _, text := ackText(t, h.slack.WaitAck(env.EnvelopeID)); !strings.Contains(text, "/feedback feature: dark mode for reports") {
		t.Errorf("reply to an empty capture = %q, want usage", text)
	}
	if n := len(h.items()); n != 0 {
		t.Errorf("%d items stored for an empty capture", n)
	}
}

// Path 1b: /feedback alone opens the modal; submitting it captures with path "modal".
func TestCaptureSlashAloneOpensModal(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/feedback", "", "U0ALICE", "C0GENERAL")
	h.slack.WaitAck(env.EnvelopeID)
	call := h.slack.WaitCall("views.open", nil)
	meta := viewOf(t, call)
	if meta.CallbackID != viewCapture || meta.Meta.Path != backlog.CaptureModal || meta.Meta.Channel != "C0GENERAL" {
		t.Fatalf("modal = %+v", meta)
	}
	sub := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", meta.PrivateMetadata, modalValues("Bulk edit", "Edit many rows at once", "feature", "")))
	if a := h.slack.WaitAck(sub.EnvelopeID); a.Payload != nil {
		t.Errorf("successful submission acked with %s, want a bare ack that closes the modal", a.Payload)
	}
	it := h.item(1)
	wantItem(t, it, backlog.KindFeature, "Bulk edit", "U0ALICE", "U0ALICE", backlog.CaptureModal)
	conf := h.slack.WaitCall("chat.postEphemeral", nil)
	if conf.Param("channel") != "C0GENERAL" || conf.Param("user") != "U0ALICE" || !strings.Contains(conf.Param("text"), "*#1*") {
		t.Errorf("confirmation = %v", conf.Form)
	}
}

// modalView is what the tests read back from a views.open call.
type modalView struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		BlockID string `json:"block_id"`
		Element struct {
			InitialValue  string `json:"initial_value"`
			InitialOption struct {
				Value string `json:"value"`
			} `json:"initial_option"`
		} `json:"element"`
	} `json:"blocks"`
	Meta captureMeta `json:"-"`
}

func viewOf(t *testing.T, c slackfake.Call) modalView {
	t.Helper()
	var v modalView
	if err := json.Unmarshal([]byte(c.Param("view")), &v); err != nil {
		t.Fatalf("view: %v", err)
	}
	if v.PrivateMetadata != "" {
		if err := json.Unmarshal([]byte(v.PrivateMetadata), &v.Meta); err != nil {
			t.Fatalf("private_metadata %q: %v", v.PrivateMetadata, err)
		}
	}
	return v
}

func (v modalView) initial(block string) string {
	for _, b := range v.Blocks {
		if b.BlockID == block {
			if b.Element.InitialOption.Value != "" {
				return b.Element.InitialOption.Value
			}
			return b.Element.InitialValue
		}
	}
	return ""
}

func modalValues(title, body, kind, labels string) map[string]map[string]slackfake.Input {
	return map[string]map[string]slackfake.Input{
		inputTitle:  {inputTitle: slackfake.Text(title)},
		inputBody:   {inputBody: slackfake.Text(body)},
		inputKind:   {inputKind: slackfake.Option(kind)},
		inputLabels: {inputLabels: slackfake.Text(labels)},
	}
}

// Path 2: @Liaison feature: …
func TestCaptureMention(t *testing.T) {
	h := startBot(t)
	m, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "bug: Login fails on Safari\nSteps: open the app in Safari 17."})
	h.slack.WaitAck(env.EnvelopeID)
	reply := h.slack.WaitCall("chat.postMessage", nil)
	if reply.Param("thread_ts") != m.TS || !strings.Contains(reply.Param("text"), "Captured as *#1* · Bug") {
		t.Errorf("reply = %v", reply.Form)
	}
	it := h.item(1)
	wantItem(t, it, backlog.KindBug, "Login fails on Safari", "U0ALICE", "U0ALICE", backlog.CaptureMention)
	if it.Body != "Login fails on Safari\nSteps: open the app in Safari 17." {
		t.Errorf("body = %q (the bot mention and the prefix are removed from the body too)", it.Body)
	}
	if it.Source.Channel != "C0GENERAL" || it.Source.TS != m.TS || it.Source.Team != slackfake.TeamID {
		t.Errorf("source = %+v", it.Source)
	}
	h.slack.WaitFor("the permalink to be stored after the ack", func() bool {
		return strings.HasPrefix(h.item(1).Source.Permalink, "https://fake.slack.com/archives/C0GENERAL/p")
	})
}

func TestMentionWithoutPrefixOffersCaptureButton(t *testing.T) {
	h := startBot(t)
	m, _ := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + "the dashboard feels slow lately"})
	reply := h.slack.WaitCall("chat.postMessage", nil)
	if !strings.Contains(reply.Param("text"), "I didn't catch that") || !strings.Contains(reply.Param("blocks"), actionCaptureMention) {
		t.Fatalf("reply = %v", reply.Form)
	}
	if n := len(h.items()); n != 0 {
		t.Fatalf("chit-chat was captured silently (%d items)", n)
	}
	// The button captures the mention, with its author as reporter.
	replyMsg := slackfake.Message{Channel: "C0GENERAL", TS: m.TS, User: slackfake.BotUserID}
	env := h.slack.SendInteractive(slackfake.BlockAction("U0CAROL", replyMsg, actionCaptureMention, buttonValue(t, reply.Param("blocks"), actionCaptureMention)))
	h.slack.WaitAck(env.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindFeedback, "the dashboard feels slow lately", "U0BOB", "U0CAROL", backlog.CaptureMention)
	h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return c.Param("user") == "U0CAROL" })
}

// Path 3: @Liaison capture in a thread captures the thread's parent.
func TestCaptureThreadParent(t *testing.T) {
	h := startBot(t)
	parent := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Customers keep asking for an audit log. It matters for SOC 2."})
	h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0CAROL", Text: "+1 from enterprise", ThreadTS: parent.TS})
	_, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "track this", ThreadTS: parent.TS})
	h.slack.WaitAck(env.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindFeedback, "Customers keep asking for an audit log", "U0BOB", "U0ALICE", backlog.CaptureThread)
	if it.Source.TS != parent.TS || it.Body != parent.Text {
		t.Errorf("source %+v body %q", it.Source, it.Body)
	}
	if v, f := h.people(1); !reflect.DeepEqual(v, []string{"U0BOB", "U0ALICE"}) || !reflect.DeepEqual(f, []string{"U0BOB", "U0ALICE"}) {
		t.Errorf("voters %v followers %v, want reporter then the capturer", v, f)
	}
	reply := h.slack.WaitCall("chat.postMessage", nil)
	if reply.Param("thread_ts") != parent.TS {
		t.Errorf("reply thread_ts = %q, want the thread %q", reply.Param("thread_ts"), parent.TS)
	}
}

func TestCaptureVerbOutsideThreadExplains(t *testing.T) {
	h := startBot(t)
	h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + "capture"})
	reply := h.slack.WaitCall("chat.postMessage", nil)
	if !strings.Contains(reply.Param("text"), "inside a thread") {
		t.Errorf("reply = %q", reply.Param("text"))
	}
}

// Path 4: an emoji reaction captures the message; the reactor follows.
func TestCaptureReaction(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "It would be great to export dashboards as PDF"})
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
	h.slack.WaitAck(env.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindFeature, "It would be great to export dashboards as PDF", "U0BOB", "U0ALICE", backlog.CaptureReaction)
	if it.Source.TS != m.TS || it.Source.Channel != "C0GENERAL" {
		t.Errorf("source = %+v", it.Source)
	}
	reply := h.slack.WaitCall("chat.postMessage", nil)
	if reply.Param("thread_ts") != m.TS || reply.Param("channel") != "C0GENERAL" {
		t.Errorf("reply = %v", reply.Form)
	}
	if _, f := h.people(1); !reflect.DeepEqual(f, []string{"U0BOB", "U0ALICE"}) {
		t.Errorf("followers = %v", f)
	}
}

func TestCaptureReactionOnThreadReplyAndSkinTone(t *testing.T) {
	h := startBot(t)
	parent := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "release notes"})
	r := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0CAROL", Text: "The PDF export crashes on page 3", ThreadTS: parent.TS})
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bug::skin-tone-3", r))
	h.slack.WaitAck(env.EnvelopeID)
	it := h.item(1)
	wantItem(t, it, backlog.KindBug, "The PDF export crashes on page 3", "U0CAROL", "U0ALICE", backlog.CaptureReaction)
	if it.Source.TS != r.TS || it.Source.ThreadTS != parent.TS {
		t.Errorf("source = %+v", it.Source)
	}
	if reply := h.slack.WaitCall("chat.postMessage", nil); reply.Param("thread_ts") != parent.TS {
		t.Errorf("reply thread_ts = %q, want the thread's parent %q", reply.Param("thread_ts"), parent.TS)
	}
}

func TestReactionUnknownEmojiAndBotMessagesIgnored(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "lunch?"})
	botMsg := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0DEPLOY", BotID: "B0DEPLOY", Text: "Deploy finished"})
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "pizza", m)),
		h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", botMsg)))
	if n := len(h.items()); n != 0 {
		t.Errorf("%d items captured, want none", n)
	}
	dm := h.slack.WaitCall("chat.postMessage", nil)
	if dm.Param("channel") != "U0ALICE" || !strings.Contains(dm.Param("text"), "bots") {
		t.Errorf("reply to a reaction on a bot message = %v", dm.Form)
	}
}

func TestReactionInChannelBotCannotReadTellsUserByDM(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0SECRET", User: "U0BOB", Text: "secret roadmap idea"})
	h.slack.NotInChannel("C0SECRET")
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
	h.slack.WaitAck(env.EnvelopeID)
	dm := h.slack.WaitCall("chat.postMessage", nil)
	if dm.Param("channel") != "U0ALICE" || !strings.Contains(dm.Param("text"), "/invite @Liaison") || !strings.Contains(dm.Param("text"), "<#C0SECRET>") {
		t.Errorf("DM = %v", dm.Form)
	}
	if n := len(h.items()); n != 0 {
		t.Errorf("%d items", n)
	}
}

func TestReactionRateLimitedOnceHonoursRetryAfterAndCaptures(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Offline mode for the mobile app"})
	h.slack.RateLimit("conversations.history", 1, time.Second)
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
	h.slack.WaitAck(env.EnvelopeID)
	wantItem(t, h.item(1), backlog.KindFeature, "Offline mode for the mobile app", "U0BOB", "U0ALICE", backlog.CaptureReaction)
	calls := h.slack.Calls("conversations.history")
	if len(calls) != 2 {
		t.Fatalf("%d history calls, want the 429 and one retry", len(calls))
	}
	if gap := calls[1].At.Sub(calls[0].At); gap < time.Second {
		t.Errorf("retried after %v, before Retry-After (1s) passed", gap)
	}
}

func TestReactionStillRateLimitedIsLeftForRedelivery(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Offline mode for the mobile app"})
	h.slack.RateLimit("conversations.history", 2, time.Second)
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
	h.slack.WaitFor("two rate-limited reads", func() bool { return len(h.slack.Calls("conversations.history")) >= 2 })
	// A later envelope is acked, so the reaction's handling is over.
	h.settle(h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL"))
	if acks := h.slack.AcksFor(env.EnvelopeID); len(acks) != 0 {
		t.Fatal("the reaction was acked although nothing was captured: Slack would not redeliver it")
	}
	if n := len(h.items()); n != 0 {
		t.Fatalf("%d items", n)
	}
	// Slack redelivers unacked envelopes after a reconnect.
	h.slack.Drop()
	h.slack.WaitAck(env.EnvelopeID)
	wantItem(t, h.item(1), backlog.KindFeature, "Offline mode for the mobile app", "U0BOB", "U0ALICE", backlog.CaptureReaction)
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items after redelivery, want 1", n)
	}
}
