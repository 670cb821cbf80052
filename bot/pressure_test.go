package bot

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// slackLike gives the test Slack Slack's real behaviour: every Web API
// answer 150 ms away, and a per-channel chat.postMessage budget with 429 +
// Retry-After beyond it. The budget here is 5 a second (Slack's is about
// one) so a hundred confirmations drain in about 20 s; the bot paces a
// little faster than that budget, so it meets real 429s.
func slackLike(h *harness) {
	h.slack.SetLatency(150 * time.Millisecond)
	h.slack.SetPostBudget(5, 3)
	h.bot.delivery.Rate, h.bot.delivery.Burst = 6, 3
}

func TestHundredCapturesInOneChannelAreEachConfirmedOnce(t *testing.T) {
	h := newHarness(t)
	slackLike(h)
	h.start()
	// Someone follows #1 and will hear when it is planned.
	h.settle(h.slack.SendSlash("/feedback", "feature: Offline mode", "U0BOB", "C0ELSEWHERE"))

	const n = 100
	var mentions []slackfake.Message
	var envs []slackfake.Envelope
	for i := range n {
		m, env := h.slack.SendMention(slackfake.Message{Channel: "C0BUSY", User: "U0ALICE",
			Text: fmt.Sprintf("%sfeature: request number %d %s", bot, i, sentence(i))})
		mentions, envs = append(mentions, m), append(envs, env)
		if i == n/2 {
			envs = append(envs, h.slack.SendSlash("/backlog", "help", "U0CAROL", "C0BUSY"))
		}
		time.Sleep(50 * time.Millisecond) // 100 in 5 s, as people would
	}
	planned := time.Now()
	h.slack.WaitAck(h.slack.SendSlash("/backlog", "status 1 planned", admin, "C0ELSEWHERE").EnvelopeID)
	h.slack.WaitFor("the follower's DM", func() bool { return delivered(h, "is now *planned*")["U0BOB"] == 1 })
	if d := time.Since(planned); d > 10*time.Second {
		t.Errorf("the DM arrived %v after the change, behind the busy channel", d)
	}

	for _, e := range envs {
		a := h.slack.WaitAck(e.EnvelopeID)
		if a.Latency > 3*time.Second {
			t.Errorf("envelope %s acked after %v", e.EnvelopeID, a.Latency)
		}
	}
	help := h.slack.AcksFor(envs[n/2+1].EnvelopeID)
	if len(help) != 1 || !strings.Contains(string(help[0].Payload), "/backlog help") {
		t.Errorf("/backlog help mid-burst was not answered in its ack: %v", help)
	}

	confirmed := func() map[string]int {
		got := map[string]int{}
		for _, c := range h.slack.Calls("chat.postMessage") {
			if c.Status == 200 && c.Param("channel") == "C0BUSY" && strings.Contains(c.Param("text"), "Captured as") {
				got[c.Param("thread_ts")]++
			}
		}
		return got
	}
	h.slack.WaitWithin(90*time.Second, "every capture confirmed", func() bool { return len(confirmed()) == n })
	h.slack.WaitWithin(30*time.Second, "the bot to be idle", h.idle)
	got := confirmed()
	for _, m := range mentions {
		if got[m.TS] != 1 {
			t.Errorf("capture %s confirmed %d times, want once", m.TS, got[m.TS])
		}
	}
	if items := h.items(); len(items) != n+1 {
		t.Errorf("%d items, want %d", len(items), n+1)
	}
	accepted, limited := 0, 0
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Param("channel") != "C0BUSY" {
			continue
		}
		switch c.Status {
		case 200:
			accepted++
		case 429:
			limited++
		}
	}
	if limited > accepted {
		t.Errorf("%d posts to the busy channel answered 429 for %d accepted: a storm of retries", limited, accepted)
	}
	t.Logf("busy channel: %d posts accepted, %d answered 429", accepted, limited)
}

func TestUnreadableAdminGroupNeverHoldsAnAck(t *testing.T) {
	h := newHarness(t)
	h.slack.SetLatency(150 * time.Millisecond)
	h.slack.RateLimit("usergroups.users.list", 1000, 4*time.Second)
	h.start()
	h.settle(h.slack.SendSlash("/feedback", "feature: Offline mode", "U0BOB", "C0GENERAL"))
	envs := []slackfake.Envelope{
		h.slack.SendSlash("/backlog", "show 1", "U0ALICE", "C0GENERAL"),
		h.slack.SendSlash("/backlog", "status 1 planned", "U0ALICE", "C0GENERAL"),
		h.slack.SendEvent(slackfake.AppHomeOpened("U0ALICE")),
		h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}, actionEffort+"_M", "1:M")),
	}
	for round := range 3 {
		for _, e := range envs {
			if a := h.slack.WaitAck(e.EnvelopeID); a.Latency > 3*time.Second {
				t.Errorf("round %d: envelope %s acked after %v", round, e.EnvelopeID, a.Latency)
			}
		}
		envs = []slackfake.Envelope{
			h.slack.SendSlash("/backlog", "show 1", "U0ALICE", "C0GENERAL"),
			h.slack.SendSlash("/backlog", "status 1 planned", "U0ALICE", "C0GENERAL"),
		}
	}
	if got := len(h.slack.Calls("usergroups.users.list")); got > 2 {
		t.Errorf("the unreadable group was asked %d times: failures are not cached", got)
	}
	if it := h.item(1); it.Status != "new" {
		t.Errorf("a non-admin changed #1 to %s while the group was unreadable", it.Status)
	}
}

func TestSlowRequestsInFlightHoldNoAckAndNoShutdown(t *testing.T) {
	h := newHarness(t)
	h.start()
	for i := range 70 {
		h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: fmt.Sprintf("Request %d", i)})
	}
	// Every Web API answer now takes 2 s: 70 reactions wait on reading
	// their message, 70 more on the reply they post.
	h.slack.SetLatency(2 * time.Second)
	for _, m := range h.slack.Messages("C0GENERAL") {
		h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m))
		h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0CAROL", Text: bot + "top"})
	}
	h.slack.WaitFor("slow work in flight", func() bool { return h.inFlight() >= 70 })
	help := h.slack.SendSlash("/backlog", "help", "U0ALICE", "C0GENERAL")
	if a := h.slack.WaitAck(help.EnvelopeID); a.Latency > 3*time.Second {
		t.Errorf("/backlog help acked after %v with %d requests in flight", a.Latency, h.inFlight())
	}
	start := time.Now()
	if err := h.stop(); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Run returned %v after cancel, want within 10 s", d)
	}
}
