package bot

import (
	"context"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/scheduler"
)

func TestBacklogHelpAnsweredInAck(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	rt, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	if rt != "ephemeral" {
		t.Errorf("response_type = %q, want ephemeral", rt)
	}
	for _, want := range []string{"/backlog help", "@Liaison help"} {
		if !strings.Contains(text, want) {
			t.Errorf("help text %q lacks %q", text, want)
		}
	}
	if n := len(h.slack.AcksFor(env.EnvelopeID)); n != 1 {
		t.Errorf("envelope acked %d times, want 1", n)
	}
	if calls := h.slack.Calls("chat.postMessage"); len(calls) != 0 {
		t.Errorf("help posted %d channel messages; it belongs in the ack only", len(calls))
	}
}

func TestBacklogWithoutSubcommandShowsHelp(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/backlog", "", "U0ALICE", "C0GENERAL")
	if _, text := ackText(t, h.slack.WaitAck(env.EnvelopeID)); !strings.Contains(text, "/backlog help") {
		t.Errorf("bare /backlog answered %q, want the help", text)
	}
}

func TestBacklogUnknownSubcommandSaysHowToFindHelp(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/backlog", "frobnicate <!channel>", "U0ALICE", "C0GENERAL")
	_, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	want := "I don't know `/backlog frobnicate`. Try `/backlog help` to see what works."
	if text != want {
		t.Errorf("reply = %q, want %q", text, want)
	}
}

func TestUnknownSubcommandIsEscaped(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/backlog", "<!channel>", "U0ALICE", "C0GENERAL")
	_, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	if strings.Contains(text, "<!channel>") || !strings.Contains(text, "&lt;!channel&gt;") {
		t.Errorf("reply %q echoes the user's text unescaped", text)
	}
}

func TestCommandWithoutHandlerPointsToHelp(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendSlash("/nonexistent", "hello", "U0ALICE", "C0GENERAL")
	_, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	if !strings.Contains(text, "`/nonexistent` is not available") || !strings.Contains(text, "/backlog help") {
		t.Errorf("reply = %q", text)
	}
}

func TestMentionHelpAnsweredInThread(t *testing.T) {
	h := startBot(t)
	m, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
	if a := h.slack.WaitAck(env.EnvelopeID); a.Payload != nil {
		t.Errorf("events_api ack carried a payload: %s", a.Payload)
	}
	call := h.slack.WaitCall("chat.postMessage", nil)
	if got := call.Param("thread_ts"); got != m.TS {
		t.Errorf("reply thread_ts = %q, want the mention's ts %q", got, m.TS)
	}
	if got := call.Param("channel"); got != "C0GENERAL" {
		t.Errorf("reply channel = %q", got)
	}
	if !strings.Contains(call.Param("text"), "/backlog help") {
		t.Errorf("reply text %q is not the help", call.Param("text"))
	}
}

func TestMentionInsideThreadRepliesInThatThread(t *testing.T) {
	h := startBot(t)
	parent := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "we need dark mode"})
	h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", ThreadTS: parent.TS, Text: "<@" + slackfake.BotUserID + "> help"})
	call := h.slack.WaitCall("chat.postMessage", nil)
	if got := call.Param("thread_ts"); got != parent.TS {
		t.Errorf("reply thread_ts = %q, want the thread's %q", got, parent.TS)
	}
}

func TestMentionNotUnderstoodGetsShortHelp(t *testing.T) {
	h := startBot(t)
	h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> how are you"})
	call := h.slack.WaitCall("chat.postMessage", nil)
	if !strings.Contains(call.Param("text"), "I didn't catch that") {
		t.Errorf("reply = %q, want short help", call.Param("text"))
	}
}

func TestUnknownEnvelopeTypeIsAcked(t *testing.T) {
	h := startBot(t)
	env := h.slack.Send(slackfake.Envelope{Type: "future_type", Payload: json.RawMessage(`{"x":1}`)})
	h.slack.WaitAck(env.EnvelopeID)
}

func TestUnknownInnerEventTypeIsAcked(t *testing.T) {
	h := startBot(t)
	env := h.slack.SendEvent(map[string]any{"type": "future_event_type", "user": "U0ALICE"})
	h.slack.WaitAck(env.EnvelopeID)
}

func TestUnhandledEventIsAckedSilently(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "hi"})
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "tada", m))
	h.slack.WaitAck(env.EnvelopeID)
	// A help request after it is answered, so the reaction had its turn and said nothing.
	h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
	h.slack.WaitCall("chat.postMessage", nil)
	if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d messages posted, want only the help reply", n)
	}
}

func TestMalformedMessageDoesNotStopTheBot(t *testing.T) {
	h := startBot(t)
	h.slack.SendRaw([]byte(`{"type":"events_api","envelope_id":"env-bad","payload":{"event":`))
	h.slack.SendRaw([]byte(`not json at all`))
	env := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	h.slack.WaitAck(env.EnvelopeID)
}

func TestRedeliveredEventAnsweredOnce(t *testing.T) {
	h := startBot(t)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
	payload, _ := json.Marshal(slackfake.EventCallback(slackfake.AppMention(m)))
	first := h.slack.Send(slackfake.Envelope{Type: "events_api", Payload: payload})
	h.slack.WaitAck(first.EnvelopeID)
	h.slack.WaitCall("chat.postMessage", nil)
	// Slack retries the same event_id in a new envelope when an ack is lost.
	again := h.slack.Send(slackfake.Envelope{Type: "events_api", Payload: payload, RetryAttempt: 1, RetryReason: "timeout"})
	h.slack.WaitAck(again.EnvelopeID)
	// A later request is answered, so the retry has been fully handled by then.
	probe := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	h.slack.WaitAck(probe.EnvelopeID)
	if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
		t.Errorf("the redelivered mention was answered %d times, want 1", n)
	}
}

func TestReconnectsAfterDisconnect(t *testing.T) {
	h := startBot(t)
	h.slack.Disconnect("refresh_requested")
	h.slack.WaitConnections(2)
	env := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	if _, text := ackText(t, h.slack.WaitAck(env.EnvelopeID)); !strings.Contains(text, "/backlog help") {
		t.Errorf("after reconnect, help = %q", text)
	}
	if !h.bot.Connected() {
		t.Error("Connected() = false after reconnecting")
	}
}

func TestReconnectsAfterAbruptDrop(t *testing.T) {
	h := startBot(t)
	h.slack.Drop()
	h.slack.WaitConnections(2)
	env := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	h.slack.WaitAck(env.EnvelopeID)
	m, _ := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: "<@" + slackfake.BotUserID + "> help"})
	h.slack.WaitCall("chat.postMessage", func(c slackfake.Call) bool { return c.Param("thread_ts") == m.TS })
}

func TestHandlerPanicGivesReferenceAndBotKeepsServing(t *testing.T) {
	h := newHarness(t)
	h.bot.router.commands["/boom"] = func(context.Context, *Request) (*Reply, error) {
		var m map[string]int
		m["x"]++ // nil map write
		return nil, nil
	}
	h.start()
	env := h.slack.SendSlash("/boom", "", "U0ALICE", "C0GENERAL")
	_, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	ref := regexp.MustCompile(`^Something went wrong \(ref ([0-9a-f]{8})\)`).FindStringSubmatch(text)
	if ref == nil {
		t.Fatalf("reply after a panic = %q, want 'Something went wrong (ref …)'", text)
	}
	h.slack.WaitFor("the panic logged with its ref", func() bool {
		return strings.Contains(h.logs.String(), "ref="+ref[1]) && strings.Contains(h.logs.String(), "handler panicked")
	})
	env = h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	if _, text := ackText(t, h.slack.WaitAck(env.EnvelopeID)); !strings.Contains(text, "/backlog help") {
		t.Errorf("after a panic, help = %q", text)
	}
}

func TestHandlerErrorShowsReferenceNotDetail(t *testing.T) {
	h := newHarness(t)
	h.bot.router.commands["/fail"] = func(context.Context, *Request) (*Reply, error) {
		return nil, context.DeadlineExceeded
	}
	h.start()
	env := h.slack.SendSlash("/fail", "", "U0ALICE", "C0GENERAL")
	_, text := ackText(t, h.slack.WaitAck(env.EnvelopeID))
	if !strings.HasPrefix(text, "Something went wrong (ref ") || strings.Contains(text, "deadline") {
		t.Errorf("reply = %q, want a reference without the internal detail", text)
	}
}

func TestRunReturnsNilOnCancel(t *testing.T) {
	h := startBot(t)
	if err := h.stop(); err != nil {
		t.Fatalf("Run returned %v after cancel, want nil", err)
	}
	if h.bot.Connected() {
		t.Error("Connected() = true after Run returned")
	}
	h.slack.WaitFor("the socket to close", func() bool { return !h.slack.Connected() })
}

func TestShutdownLetsInFlightHandlerFinishAndAck(t *testing.T) {
	h := newHarness(t)
	h.bot.ackFlush = ackFlush
	entered := make(chan struct{})
	release := make(chan struct{})
	h.bot.router.commands["/slow"] = func(context.Context, *Request) (*Reply, error) {
		close(entered)
		<-release
		return &Reply{Text: "finished"}, nil
	}
	h.start()
	env := h.slack.SendSlash("/slow", "", "U0ALICE", "C0GENERAL")
	<-entered
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		t.Fatalf("Run returned (%v) while a handler was still running", err)
	case <-time.After(50 * time.Millisecond): // a negative check needs some window
	}
	close(release)
	if _, text := ackText(t, h.slack.WaitAck(env.EnvelopeID)); text != "finished" {
		t.Errorf("in-flight reply = %q, want finished", text)
	}
	select {
	case err := <-h.done:
		if err != nil {
			t.Errorf("Run = %v, want nil", err)
		}
	case <-time.After(DefaultShutdownTimeout):
		t.Fatal("Run did not return after the in-flight handler finished")
	}
}

func TestShutdownIsBoundedWhenAHandlerHangs(t *testing.T) {
	h := newHarness(t)
	h.bot.ShutdownTimeout = 200 * time.Millisecond
	entered := make(chan struct{})
	h.bot.router.commands["/hang"] = func(ctx context.Context, _ *Request) (*Reply, error) {
		close(entered)
		<-ctx.Done() // only the shutdown deadline ends it
		return nil, ctx.Err()
	}
	h.start()
	h.slack.SendSlash("/hang", "", "U0ALICE", "C0GENERAL")
	<-entered
	if err := h.stop(); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
}

func TestRefusedAppTokenStopsRunWithClearError(t *testing.T) {
	fake := slackfake.New(t)
	h := newHarness(t)
	h.bot = New(Config{BotToken: slackfake.BotToken, AppToken: "xapp-revoked", APIURL: fake.APIURL()}, h.db, h.bot.log, nil, scheduler.New(context.Background(), h.bot.log))
	err := h.bot.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "slack.app_token") || strings.Contains(err.Error(), "xapp-revoked") {
		t.Errorf("Run with a refused app token = %v; want an error naming slack.app_token without the token", err)
	}
}

func TestRefusedBotTokenStopsRunWithClearError(t *testing.T) {
	fake := slackfake.New(t)
	h := newHarness(t)
	h.bot = New(Config{BotToken: "xoxb-revoked", AppToken: slackfake.AppToken, APIURL: fake.APIURL()}, h.db, h.bot.log, nil, scheduler.New(context.Background(), h.bot.log))
	err := h.bot.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "slack.bot_token") || strings.Contains(err.Error(), "xoxb-revoked") {
		t.Errorf("Run with a refused bot token = %v; want an error naming slack.bot_token without the token", err)
	}
}

func TestUnreachableSlackIsReportedAsSuch(t *testing.T) {
	h := newHarness(t)
	fake := slackfake.New(t)
	url := fake.APIURL()
	fake.Close()
	h.bot = New(Config{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: url}, h.db, h.bot.log, nil, scheduler.New(context.Background(), h.bot.log))
	err := h.bot.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "reach Slack's Web API") || strings.Contains(err.Error(), "slack.bot_token") {
		t.Errorf("Run with Slack unreachable = %v; want a network error, not a token complaint", err)
	}
}
