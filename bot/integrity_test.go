package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestMentionsByBotsAreNeverCaptured(t *testing.T) {
	h := startBot(t)
	var envs []slackfake.Envelope
	for _, m := range []slackfake.Message{
		{Channel: "C0GENERAL", User: "U0OTHERAPP", BotID: "B0OTHER", Text: bot + "feature: loop forever"},
		{Channel: "C0GENERAL", User: slackfake.BotUserID, BotID: slackfake.BotID, Text: bot + "feature: talk to myself"},
	} {
		_, env := h.slack.SendMention(m)
		envs = append(envs, env)
	}
	h.settle(envs...)
	if items := h.items(); len(items) != 0 {
		t.Errorf("%d items captured from bots' mentions", len(items))
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 0 {
		t.Errorf("the bot answered a bot %d times", n)
	}
}

func TestCaptureButtonRefusesBotMessages(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0OTHERAPP", BotID: "B0OTHER", Text: "Deploy finished"})
	value := m.Channel + " " + m.TS + " " + h.bot.seals.seal("capture-mention", m.Channel, m.TS)
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", m, actionCaptureMention, value)))
	if items := h.items(); len(items) != 0 {
		t.Errorf("a bot's message was captured through the button: %+v", items[0].Item)
	}
	c := h.slack.WaitCall("chat.postEphemeral", nil)
	if !strings.Contains(c.Param("text"), "bots or apps") {
		t.Errorf("reply = %q", c.Param("text"))
	}
}

func TestUnreadableFrameKeepsTheConnectionHealthy(t *testing.T) {
	h := startBot(t)
	h.slack.WaitFor("connected", h.bot.Connected)
	h.slack.SendRaw([]byte("this is not JSON"))
	h.slack.WaitFor("the frame to be dropped", func() bool { return strings.Contains(h.logs.String(), "unreadable; dropped") })
	if !h.bot.Connected() {
		t.Error("one unreadable frame marked a working connection down: /healthz would answer 503")
	}
	h.settle(h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL"))
}

func TestDeclineSubmittedWithoutStateAsksForAReason(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Offline mode", "U0BOB", "C0GENERAL"))
	p := slackfake.ViewSubmission(viewDecline, admin, "1 C0GENERAL", nil)
	delete(p["view"].(map[string]any), "state")
	a := h.slack.WaitAck(h.slack.SendInteractive(p).EnvelopeID)
	if !strings.Contains(string(a.Payload), `"response_action":"errors"`) {
		t.Errorf("ack = %s, want the modal to ask for a reason", a.Payload)
	}
	if strings.Contains(h.logs.String(), "panicked") {
		t.Error("the handler panicked")
	}
}

func TestRefusedModalSubmissionIsAnsweredByDM(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Offline mode", "U0BOB", "C0GENERAL"))
	p := slackfake.ViewSubmission(viewDecline, "U0ALICE", "1", map[string]map[string]slackfake.Input{
		inputReason: {inputReason: slackfake.Text("not needed")}})
	h.settle(h.slack.SendInteractive(p))
	c := h.slack.WaitCall("chat.postMessage", func(c slackfake.Call) bool { return c.Param("channel") == "U0ALICE" })
	if !strings.Contains(c.Param("text"), "Only product owners can decline items") {
		t.Errorf("DM = %q", c.Param("text"))
	}
	if it := h.item(1); it.Status != "new" {
		t.Errorf("#1 is %s after a stakeholder's decline", it.Status)
	}
}

func TestPanicWhileRenderingASlashReplyIsAcked(t *testing.T) {
	h := newHarness(t)
	h.bot.router.commands["/boom"] = func(context.Context, *Request) (*Reply, error) {
		return &Reply{Render: func(context.Context) (string, []slack.Block) { panic("render exploded") }}, nil
	}
	h.start()
	a := h.slack.WaitAck(h.slack.SendSlash("/boom", "", "U0ALICE", "C0GENERAL").EnvelopeID)
	if _, text := ackText(t, a); !strings.Contains(text, "Something went wrong (ref ") {
		t.Errorf("ack text = %q, want the reference", text)
	}
	if !strings.Contains(h.logs.String(), "render exploded") {
		t.Error("the panic is not in the log")
	}
}

func TestDisguisedTrackerLinkShowsItsRealHost(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Offline mode", "U0BOB", "C0GENERAL"))
	disguised := "https://tracker.example.com.aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@evil.example/PROJ-7"
	linked := h.slash(admin, "link 1 <"+disguised+">")
	show := h.slack.SendSlash("/backlog", "show 1", admin, "C0GENERAL")
	for _, text := range []string{linked, decodedText(t, h.slack.WaitAck(show.EnvelopeID).Payload)} {
		if strings.Contains(text, "tracker.example.com") || !strings.Contains(text, "evil.example/PROJ-7") {
			t.Errorf("rendered link hides its host: %q", text)
		}
	}
	if got := h.item(1).TrackerURL; got != "https://evil.example/PROJ-7" {
		t.Errorf("stored link = %q, want it without the userinfo", got)
	}
}

func TestSameAsButtonRefusesAClosedTarget(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode", "U0BOB", "C0GENERAL"))
	h.settle(h.slack.SendSlash("/feedback", "feature: Night theme", "U0ALICE", "C0GENERAL"))
	h.slash(admin, "status 1 shipped")
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", where, actionMerge, "2>1")))
	if it := h.item(2); it.Status != "new" {
		t.Errorf("#2 is %s: it was merged into a shipped item", it.Status)
	}
	c := h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return c.Param("user") == "U0ALICE" })
	if !strings.Contains(c.Param("text"), "*#1* is already shipped") {
		t.Errorf("reply = %q", c.Param("text"))
	}
}

func TestOnlyAdminsBringNewLabelsAtCapture(t *testing.T) {
	h := startBot(t)
	submit := func(user, labels string) slackfake.Ack {
		t.Helper()
		env := h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, user, `{"p":"modal"}`,
			modalValues("Dark mode", "", "feature", labels)))
		h.settle(env)
		return h.slack.AcksFor(env.EnvelopeID)[0]
	}
	if a := submit("U0ALICE", "vip-customer"); !strings.Contains(string(a.Payload), `"response_action":"errors"`) ||
		!strings.Contains(decodedText(t, a.Payload), "only product owners add new ones") {
		t.Errorf("a stakeholder inventing a label: ack = %s", a.Payload)
	}
	if n := len(h.items()); n != 0 {
		t.Fatalf("%d items captured with an invented label", n)
	}
	if a := submit(admin, "billing"); a.Payload != nil {
		t.Errorf("an admin's new label was refused: %s", a.Payload)
	}
	if a := submit("U0ALICE", "Billing"); a.Payload != nil {
		t.Errorf("a stakeholder using a label in use was refused: %s", a.Payload)
	}
	items := h.items()
	if len(items) != 2 || len(items[1].Item.Labels) != 1 || items[1].Item.Labels[0] != "billing" {
		t.Errorf("items = %+v", items)
	}
}

func TestForgedCaptureButtonReadsNothing(t *testing.T) {
	h := startBot(t)
	secret := h.slack.AddMessage(slackfake.Message{Channel: "C0SECRET", User: "U0CEO", Text: "Layoffs next week"})
	for _, value := range []string{
		"C0SECRET " + secret.TS,
		"C0SECRET " + secret.TS + " AAAAAAAAAAAAAAAAAAAAAA",
		"C0SECRET " + secret.TS + " " + h.bot.seals.seal("capture-mention", "C0GENERAL", secret.TS),
	} {
		h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}, actionCaptureMention, value)))
	}
	if n := len(h.slack.Calls("conversations.history")) + len(h.slack.Calls("conversations.replies")); n != 0 {
		t.Errorf("a forged button value read another channel (%d reads)", n)
	}
	if n := len(h.items()); n != 0 {
		t.Errorf("%d items captured from forged button values", n)
	}
}

func TestForgedModalMetadataIsNotTrusted(t *testing.T) {
	h := startBot(t)
	forged := `{"p":"reaction","c":"C0SECRET","ts":"1700000000.000001","r":"U0CEO","u":"U0ALICE"}`
	other := h.bot.sealMeta(captureMeta{Path: backlog.CaptureShortcut, Channel: "C0GENERAL", TS: "1700000000.000002", Reporter: "U0BOB"}, "U0CAROL")
	for _, meta := range []string{forged, other} {
		h.settle(h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", meta, modalValues("Dark mode "+meta[:8], "", "feature", ""))))
	}
	items := h.items()
	if len(items) != 2 {
		t.Fatalf("%d items, want 2", len(items))
	}
	for _, e := range items {
		it := e.Item
		if it.Reporter != "U0ALICE" || it.Capture != backlog.CaptureModal || it.Source.Channel != "" || it.Source.TS != "" {
			t.Errorf("#%d took forged metadata: reporter %s path %s source %+v", it.ID, it.Reporter, it.Capture, it.Source)
		}
	}
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		if c.Param("channel") == "C0SECRET" {
			t.Error("a confirmation went to the channel the forged metadata named")
		}
	}
}
