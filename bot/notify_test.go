package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

// shippable captures Bob's message by Alice's reaction (#1) and adds Carol's
// vote: followers Bob, Alice, Carol; source thread = Bob's message.
func shippable(t *testing.T, h *harness) slackfake.Message {
	t.Helper()
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: "Dark mode for reports"})
	h.settle(h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m)))
	h.slash("U0CAROL", "vote 1")
	return m
}

func wantDelivered(t *testing.T, h *harness, marker string, m slackfake.Message) {
	t.Helper()
	want := map[string]int{"thread:" + m.TS: 1, "U0BOB": 1, "U0ALICE": 1, "U0CAROL": 1}
	h.slack.WaitFor("every notification", func() bool { return len(delivered(h, marker)) == len(want) })
	h.settle()
	got := delivered(h, marker)
	for dest, n := range want {
		if got[dest] != n {
			t.Errorf("%s: %d %q messages, want %d (all: %v)", dest, got[dest], marker, n, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("notifications went to %v, want %v", got, want)
	}
}

func TestShippingNotifiesEachFollowerOnceInThreadAndDM(t *testing.T) {
	h := startBot(t)
	m := shippable(t, h)
	h.slash(admin, "status 1 triaged") // no notification for triage
	h.slash(admin, "status 1 shipped")
	wantDelivered(t, h, "has *shipped*", m)
	if n := len(delivered(h, "triaged")); n != 0 {
		t.Errorf("triage notified %d destinations", n)
	}
	for _, c := range h.slack.Calls("chat.postMessage") {
		if strings.Contains(c.Param("text"), "<!") || (c.Param("thread_ts") != "" && strings.Contains(c.Param("text"), "<@")) {
			t.Errorf("a notification pings people: %q", c.Param("text"))
		}
	}
	stats := h.slash("U0ALICE", "stats")
	if !strings.Contains(stats, "0 waiting, 5 sent, 0 failed") {
		t.Errorf("stats = %q", stats)
	}
}

func TestDeclineAndMergeNotifyWithReason(t *testing.T) {
	h := startBot(t)
	m := shippable(t, h)
	h.slash(admin, "status 1 declined Out of scope <!here> this year")
	wantDelivered(t, h, "was *declined*: Out of scope &lt;!here&gt; this year", m)

	h.settle(h.slack.SendSlash("/feedback", "feature: Night theme", "U0DAVE", "C0GENERAL"))
	h.slash(admin, "status 1 planned") // reopen, so it can take a merge
	h.slash(admin, "merge 2 into 1")
	h.slack.WaitFor("the merge DM", func() bool { return delivered(h, "was merged into *#1*")["U0DAVE"] == 1 })
	if v, _ := h.people(1); len(v) != 4 {
		t.Errorf("#1 voters after merge = %v", v)
	}
}

func TestNotificationsHonourRetryAfterOnceEach(t *testing.T) {
	h := startBot(t)
	m := shippable(t, h)
	h.slack.RateLimit("chat.postMessage", 1, time.Second)
	h.slash(admin, "status 1 shipped")
	wantDelivered(t, h, "has *shipped*", m)
	calls := h.slack.Calls("chat.postMessage")
	// Slack's budget is per channel: the destination that got the 429 waits
	// out Retry-After, and only it.
	var limited time.Time
	var dest string
	for _, c := range calls {
		if c.Status == 429 {
			limited, dest = c.At, c.Param("channel")
		}
	}
	if limited.IsZero() {
		t.Fatal("no 429 was served")
	}
	retries := 0
	for _, c := range calls {
		if c.Param("channel") != dest || !c.At.After(limited) {
			continue
		}
		retries++
		if c.At.Sub(limited) < time.Second {
			t.Errorf("chat.postMessage to %s called %v after its 429 with Retry-After 1s", dest, c.At.Sub(limited))
		}
	}
	if retries != 1 {
		t.Errorf("%d posts to %s after its 429, want one retry", retries, dest)
	}
}

func TestPendingNotificationsSurviveRestartAndArriveOnce(t *testing.T) {
	h := startBot(t)
	m := shippable(t, h)
	h.slack.Fail("chat.postMessage", "internal_error", 4)
	h.slash(admin, "status 1 shipped")
	h.slack.WaitFor("four failed deliveries", func() bool {
		n := 0
		for _, c := range h.slack.Calls("chat.postMessage") {
			if c.Error == "internal_error" {
				n++
			}
		}
		return n == 4
	})
	h.restart()
	wantDelivered(t, h, "has *shipped*", m)
}

func TestPermanentFailureIsDeadLetteredAndShown(t *testing.T) {
	h := startBot(t)
	shippable(t, h)
	h.slack.Fail("chat.postMessage", "channel_not_found", 1)
	h.slash(admin, "status 1 planned")
	h.slack.WaitFor("dead letter", func() bool { return strings.Contains(h.slash("U0ALICE", "stats"), "1 failed for good") })
	if !strings.Contains(h.logs.String(), "giving up on an outbox message") {
		t.Error("the dead letter was not logged")
	}
}

func TestNotifyModeOffSendsNothing(t *testing.T) {
	h := newHarness(t)
	h.bot.cfg.NotifyMode = "off"
	h.start()
	shippable(t, h)
	h.slash(admin, "status 1 shipped")
	h.settle()
	if got := delivered(h, "shipped"); len(got) != 0 {
		t.Errorf("notify off sent %v", got)
	}
}

func TestStatusSelectDeclineModalRecordsAndSendsReason(t *testing.T) {
	h := startBot(t)
	m := shippable(t, h)
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	sel := slackfake.BlockAction(admin, where, actionStatus, "")
	sel["actions"].([]map[string]any)[0]["type"] = "static_select"
	sel["actions"].([]map[string]any)[0]["selected_option"] = map[string]any{"value": "1:declined"}
	h.settle(h.slack.SendInteractive(sel))
	view := h.slack.WaitCall("views.open", nil)
	if !strings.Contains(view.Param("view"), viewDecline) {
		t.Fatalf("decline modal = %s", view.Param("view"))
	}
	if h.item(1).Status != backlog.StatusNew {
		t.Fatal("declined before a reason was given")
	}
	sub := slackfake.ViewSubmission(viewDecline, admin, "1 C0GENERAL", map[string]map[string]slackfake.Input{
		inputReason: {inputReason: slackfake.Text("We focus on reporting this year")}})
	h.settle(h.slack.SendInteractive(sub))
	if it := h.item(1); it.Status != backlog.StatusDeclined {
		t.Errorf("status = %s", it.Status)
	}
	hist, _ := h.db.History(t.Context(), 1)
	if last := hist[len(hist)-1]; last.Note != "We focus on reporting this year" {
		t.Errorf("last event = %+v", last)
	}
	wantDelivered(t, h, "declined*: We focus on reporting this year", m)

	// The same select for another status applies at once; non-admins are refused.
	sel["actions"].([]map[string]any)[0]["selected_option"] = map[string]any{"value": "1:planned"}
	sel["user"] = map[string]any{"id": "U0ALICE"}
	h.settle(h.slack.SendInteractive(sel))
	if h.item(1).Status != backlog.StatusDeclined {
		t.Error("a stakeholder's select changed the status")
	}
}

func TestAppHomeForAdminAndStakeholder(t *testing.T) {
	h := startBot(t)
	shippable(t, h)
	h.settle(h.slack.SendSlash("/feedback", "bug: Export crashes", "U0DAVE", "C0GENERAL"))
	h.slash(admin, "status 2 shipped")
	home := func(user string) string {
		h.settle(h.slack.SendEvent(slackfake.AppHomeOpened(user)))
		c := h.slack.WaitCall("views.publish", func(c slackfake.Call) bool { return c.Param("user_id") == user })
		return c.Param("view")
	}
	alice := home("U0ALICE")
	for _, want := range []string{`"type":"home"`, "My requests", "*#1* Dark mode for reports", "Top open items", "Recently shipped", "*#2* Export crashes"} {
		if !strings.Contains(alice, want) {
			t.Errorf("stakeholder home lacks %q", want)
		}
	}
	if strings.Contains(alice, "Triage queue") {
		t.Error("stakeholder home shows the triage queue")
	}
	adm := home(admin)
	if !strings.Contains(adm, "Triage queue* — 1 new") {
		t.Errorf("admin home lacks the triage queue: %s", adm)
	}
	if n := strings.Count(adm, `"type":"section"`) + strings.Count(adm, `"type":"divider"`) + strings.Count(adm, `"type":"context"`) + strings.Count(adm, `"type":"header"`); n > 100 {
		t.Errorf("home has %d blocks", n)
	}
}
