package bot

import (
	"context"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestCaptureOfMergedItemVotesOnItsTarget(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode", "U0ALICE", "C0GENERAL"))
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Night theme please"})
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0BOB", "bulb", m)))
	if err := h.db.Merge(context.Background(), 2, 1, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0CAROL", "bulb", m)))
	v, _ := h.people(1)
	if len(v) != 3 || v[2] != "U0CAROL" {
		t.Errorf("#1 voters = %v, want Carol's vote there", v)
	}
	if v2, _ := h.people(2); len(v2) != 0 {
		t.Errorf("the duplicate #2 has voters %v", v2)
	}
	replies := h.slack.Calls("chat.postMessage")
	if last := replies[len(replies)-1].Param("text"); !strings.Contains(last, "merged into *#1*") {
		t.Errorf("reply = %q", last)
	}
}

func TestFailedEventCaptureIsLeftForRedelivery(t *testing.T) {
	h := startBot(t)
	// Make every insert into items fail, as a broken disk would.
	raw := h.ownConnection(t, "")
	broken := []string{`CREATE TRIGGER broken BEFORE INSERT ON items BEGIN SELECT RAISE(ABORT, 'disk trouble'); END`}
	if onPostgres() {
		broken = []string{
			`CREATE FUNCTION broken() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'disk trouble'; END $$`,
			`CREATE TRIGGER broken BEFORE INSERT ON items FOR EACH ROW EXECUTE FUNCTION broken()`,
		}
	}
	for _, q := range broken {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Offline mode"})
	env := h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
	h.settle(h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL"))
	if len(h.slack.AcksFor(env.EnvelopeID)) != 0 {
		t.Fatal("a failed capture was acked: Slack would never redeliver it")
	}
	fixed := `DROP TRIGGER broken`
	if onPostgres() {
		fixed = `DROP TRIGGER broken ON items`
	}
	if _, err := raw.Exec(fixed); err != nil {
		t.Fatal(err)
	}
	h.slack.Drop() // Slack redelivers after the reconnect
	h.slack.WaitAck(env.EnvelopeID)
	id := int64(1)
	if onPostgres() {
		id = 2 // PostgreSQL does not give back the number the failed insert took
	}
	wantItem(t, h.item(id), backlog.KindFeature, "Offline mode", "U0BOB", "U0ALICE", backlog.CaptureReaction)
}

func TestLongMessageShortcutStoresTheWholeMessage(t *testing.T) {
	h := startBot(t)
	long := "Detailed request. " + strings.Repeat("More context here. ", 300) // ~5,700 characters
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: long})
	h.settle(h.slack.SendInteractive(slackfake.MessageAction(shortcutCaptureMessage, "U0ALICE", m)))
	view := viewOf(t, h.slack.WaitCall("views.open", nil))
	if !view.Meta.Cut {
		t.Fatal("the modal did not note that the message is longer than the form")
	}
	h.settle(h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata,
		modalValues(view.initial(inputTitle), view.initial(inputBody), "feature", ""))))
	if got := h.item(1).Body; got != strings.TrimSpace(long) {
		t.Errorf("stored body has %d characters, want the whole message (%d)", len(got), len(long))
	}
}

func TestViewSubmissionWithoutStateAsksForTitle(t *testing.T) {
	h := startBot(t)
	p := slackfake.ViewSubmission(viewCapture, "U0ALICE", "", nil)
	delete(p["view"].(map[string]any), "state")
	a := h.slack.WaitAck(h.slack.SendInteractive(p).EnvelopeID)
	if !strings.Contains(string(a.Payload), `"response_action":"errors"`) {
		t.Errorf("ack = %s", a.Payload)
	}
	if strings.Contains(h.logs.String(), "panicked") {
		t.Error("the handler panicked")
	}
}

func TestModalTitleIsKeptWhole(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", `{"p":"modal"}`,
		modalValues("Export to CSV. Also PDF", "", "feature", ""))))
	if got := h.item(1).Title; got != "Export to CSV. Also PDF" {
		t.Errorf("title = %q", got)
	}
}

func TestEphemeralConfirmationFallsBackToDM(t *testing.T) {
	h := startBot(t)
	h.slack.NotInChannel("C0SECRET")
	h.settle(h.slack.SendSlash("/feedback", "", "U0ALICE", "C0SECRET"))
	view := viewOf(t, h.slack.WaitCall("views.open", nil))
	h.settle(h.slack.SendInteractive(slackfake.ViewSubmission(viewCapture, "U0ALICE", view.PrivateMetadata,
		modalValues("SSO", "", "feature", ""))))
	dm := h.slack.WaitCall("chat.postMessage", nil)
	if dm.Param("channel") != "U0ALICE" || !strings.Contains(dm.Param("text"), "*#1*") {
		t.Errorf("fallback = %v", dm.Form)
	}
}
