package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestSimilarItemButtonMovesRequest(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for the dashboard", "U0ALICE", "C0GENERAL"))
	h.settle(h.slack.SendSlash("/feedback", "feature: dashboard dark mode on mobile", "U0BOB", "C0GENERAL"))
	_, text := ackText(t, h.slack.AcksFor(h.slack.Sent()[1].EnvelopeID)[0])
	if !strings.Contains(text, "Captured as *#2*") {
		t.Fatalf("second capture = %q", text)
	}
	ack := string(h.slack.AcksFor(h.slack.Sent()[1].EnvelopeID)[0].Payload)
	if !strings.Contains(ack, "Same as #1 — move my request there") || !strings.Contains(ack, `"value":"2\u003e1"`) {
		t.Fatalf("confirmation does not offer #1: %s", ack)
	}
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}

	// Someone else cannot move Bob's request.
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0CAROL", where, actionMerge, "2>1")))
	if c := h.slack.WaitCall("chat.postEphemeral", nil); c.Param("user") != "U0CAROL" || !strings.Contains(c.Param("text"), "Only the person who captured *#2*") {
		t.Errorf("refusal = %v", c.Form)
	}
	if h.item(2).Status != backlog.StatusNew {
		t.Fatal("a stranger's click merged the item")
	}

	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0BOB", where, actionMerge, "2>1")))
	moved := h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return c.Param("user") == "U0BOB" })
	if !strings.Contains(moved.Param("text"), "Merged *#2* into *#1*") || !strings.Contains(moved.Param("text"), "2 votes") {
		t.Errorf("reply = %q", moved.Param("text"))
	}
	if it := h.item(2); it.Status != backlog.StatusDuplicate || it.DuplicateOf != 1 {
		t.Errorf("#2 = status %s duplicate_of %d", it.Status, it.DuplicateOf)
	}
	if v, f := h.people(1); !reflect.DeepEqual(v, []string{"U0ALICE", "U0BOB"}) || !reflect.DeepEqual(f, []string{"U0ALICE", "U0BOB"}) {
		t.Errorf("#1 voters %v followers %v", v, f)
	}
}

func TestVoteFollowAndViewButtons(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Audit log export", "U0ALICE", "C0GENERAL"))
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0BOB", where, actionVote, "1")))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0CAROL", where, actionFollow, "1")))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0BOB", where, actionVote, "1")))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0BOB", where, actionView, "1")),
		h.slack.SendInteractive(slackfake.BlockAction("U0BOB", where, actionVote, "99")))

	v, f := h.people(1)
	if !reflect.DeepEqual(v, []string{"U0ALICE", "U0BOB"}) || !reflect.DeepEqual(f, []string{"U0ALICE", "U0BOB", "U0CAROL"}) {
		t.Errorf("voters %v followers %v", v, f)
	}
	texts := map[string][]string{}
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		texts[c.Param("user")] = append(texts[c.Param("user")], c.Param("text"))
	}
	bob := strings.Join(texts["U0BOB"], "\n")
	for _, want := range []string{"Added your +1 to *#1*", "now 2 votes", "You have already voted for *#1*", "There is no item #99."} {
		if !strings.Contains(bob, want) {
			t.Errorf("Bob's replies lack %q:\n%s", want, bob)
		}
	}
	if !strings.Contains(strings.Join(texts["U0CAROL"], "\n"), "You now follow *#1*") {
		t.Errorf("Carol's replies = %v", texts["U0CAROL"])
	}
	view := h.slack.WaitCall("views.open", nil)
	if !strings.Contains(view.Param("view"), `"Request #1"`) || !strings.Contains(view.Param("view"), "Audit log export") {
		t.Errorf("view = %s", view.Param("view"))
	}
}
