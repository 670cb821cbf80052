package bot

import (
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestBacklogSubcommands(t *testing.T) {
	h := backlogFixture(t)
	steps := []struct {
		user, cmd string
		want      []string
		not       []string
	}{
		{"U0ALICE", "vote 3", []string{"Added your +1 to *#3*", "now 2 votes"}, nil},
		{"U0ALICE", "vote #3", []string{"already voted for *#3*"}, nil},
		{"U0ALICE", "list", []string{"*Open items*", "*#3* CSV export of dashboards", "*#1*", "*#2*"}, nil},
		{"U0ALICE", "list bugs", []string{"*#2* Login fails on Safari"}, []string{"#1", "#3"}},
		{"U0ALICE", "list mine", []string{"*#3*"}, []string{"*#1*", "*#2*"}},
		{"U0ALICE", "list by <@U0BOB|bob>", []string{"*#1*", "*#3*"}, []string{"*#2*"}},
		{"U0ALICE", "list shipped", []string{"Nothing matches"}, nil},
		{"U0ALICE", "list gibberish", []string{`I don't know "gibberish"`}, nil},
		{"U0ALICE", "top 2", []string{"*Top 2 open items*", "*#3*", "*#1*"}, []string{"*#2*"}},
		{"U0ALICE", "top many", []string{"`top` takes a number"}, nil},
		{"U0ALICE", "show #2", []string{"#2 Login fails on Safari — new, 1 vote"}, nil},
		{"U0ALICE", "show 99", []string{"There is no item #99"}, nil},
		{"U0ALICE", "show", []string{"Which item?"}, nil},
		{"U0ALICE", "show abc", []string{"is not an item number"}, nil},
		{"U0ALICE", "search dark", []string{"*#1* Dark mode for reports"}, []string{"#2", "#3"}},
		{"U0ALICE", "search zebra", []string{"No items match"}, nil},
		{"U0ALICE", "stats", []string{"3 items", "new 3", "feature 2", "bug 1"}, nil},
		{"U0ALICE", "unvote 3", []string{"Removed your vote from *#3*"}, nil},
		{"U0ALICE", "unvote 3", []string{"You had not voted for *#3*"}, nil},
		{"U0ALICE", "follow 2", []string{"You now follow *#2*"}, nil},
		{"U0ALICE", "unfollow 2", []string{"You no longer follow *#2*"}, nil},
		{"U0ALICE", "comment 1 customers ask <!channel> weekly", []string{"Comment added to *#1*"}, nil},
		{"U0ALICE", "comment 1", []string{"What is the comment?"}, nil},
		{"U0ALICE", "frobnicate", []string{"I don't know `/backlog frobnicate`"}, nil},
	}
	for _, s := range steps {
		got := h.slash(s.user, s.cmd)
		for _, w := range s.want {
			if !strings.Contains(got, w) {
				t.Errorf("/backlog %s: reply lacks %q:\n%s", s.cmd, w, got)
			}
		}
		for _, n := range s.not {
			if strings.Contains(got, n) {
				t.Errorf("/backlog %s: reply has %q:\n%s", s.cmd, n, got)
			}
		}
	}
	hist, _ := h.db.History(t.Context(), 1)
	if last := hist[len(hist)-1]; last.Type != "comment" || last.Note != "customers ask <!channel> weekly" {
		t.Errorf("comment event = %+v", last)
	}
}

func TestAdminActionsRefusedForOthers(t *testing.T) {
	h := backlogFixture(t)
	for _, cmd := range []string{"status 1 planned", "score 1 reach=10 impact=1 confidence=50 effort=1",
		"label 1 +billing", "assign 1 <@U0DEV|dev>", "link 1 <https://tracker.example/P-1>", "merge 3 into 1"} {
		got := h.slash("U0ALICE", cmd)
		if !strings.Contains(got, "Only product owners can") || !strings.Contains(got, "<@U0ADMIN>") {
			t.Errorf("/backlog %s by a stakeholder: %q", cmd, got)
		}
	}
	it := h.item(1)
	if it.Status != backlog.StatusNew || it.RICE.Score != nil || len(it.Labels) != 0 || it.Assignee != "" || it.TrackerURL != "" {
		t.Errorf("a refused action changed #1: %+v", it)
	}
	if h.item(3).Status != backlog.StatusNew {
		t.Error("a refused merge changed #3")
	}
}

func TestAdminActions(t *testing.T) {
	h := backlogFixture(t)
	steps := []struct{ cmd, want string }{
		{"status 1 triaged", "new → *triaged*"},
		{"status #1 In Progress", "triaged → *in progress*"},
		{"status 1 done", "unknown status \"done\" (valid: new, triaged, planned, in_progress, shipped, declined, duplicate)"},
		{"status 1 declined", "declining needs a reason"},
		{"status 1 duplicate", "merge"},
		{"score 1 reach=500 impact=2 confidence=80 effort=3", "*#1* scores *266.67*"},
		{"score 1 reach=500 impact=5", "impact must be one of 0.25, 0.5, 1, 2, 3"},
		{"score 1 effort=0", "effort must be more than 0"},
		{"score 1 fast", "e.g. `score 42 reach=500"},
		{"label 1 +Billing +ui", "labels: billing, ui"},
		{"label 1 -ui", "labels: billing."},
		{"assign 1 <@U0DEV|dev>", "assigned to <@U0DEV>"},
		{"assign 1 dev", "Mention the person"},
		{"link 1 <https://tracker.example/P-1>", "links to <https://tracker.example/P-1|tracker.example/P-1>"},
		{"link 1 javascript:alert(1)", "is not a web link"},
		{"merge 3 into 1", "Merged *#3* into *#1*"},
		{"merge 3 into 1", "already merged"},
		{"merge 2 into 2", "cannot be merged into itself"},
		{"merge 2 1", "Usage: `/backlog merge 43 into 12`"},
		{"status 1 shipped", "in progress → *shipped*"},
		{"status 1 declined too late", "reopen it first"},
		{"status 1 planned", "shipped → *planned*"},
	}
	for _, s := range steps {
		if got := h.slash(admin, s.cmd); !strings.Contains(got, s.want) {
			t.Errorf("/backlog %s: reply %q lacks %q", s.cmd, got, s.want)
		}
	}
	it := h.item(1)
	if it.Status != backlog.StatusPlanned || it.Assignee != developer || it.TrackerURL != "https://tracker.example/P-1" ||
		len(it.Labels) != 1 || it.Votes != 1 || it.RICE.Score == nil || *it.RICE.Score != 266.67 {
		t.Errorf("#1 = %+v", it)
	}
	// The user group counts as admins too.
	h.slack.SetUsergroup(adminGroup, "U0PO")
	h.restart() // the group is read at start
	if got := h.slash("U0PO", "status 2 triaged"); !strings.Contains(got, "new → *triaged*") {
		t.Errorf("a user group admin: %q", got)
	}
}

func TestMentionQuestions(t *testing.T) {
	h := backlogFixture(t)
	h.slash(admin, "status 2 planned")
	h.slash(admin, "status 3 shipped")
	h.settle()
	questions := []struct{ text, want, not string }{
		{"status of 2?", "#2 Login fails on Safari — planned", ""},
		{"#1", "#1 Dark mode for reports — new", ""},
		{"top", "*Top 10 open items*", ""},
		{"search csv", "*#3* CSV export of dashboards", ""},
		{"What’s planned?", "*#2* Login fails on Safari", "#1"},
		{"what shipped this week", "*#3* CSV export", "#2"},
		{"my requests", "*#1*", "*#2*"},
		{"status of 99", "There is no item #99", ""},
	}
	for _, q := range questions {
		m, _ := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + q.text})
		call := h.slack.WaitCall("chat.postMessage", func(c slackfake.Call) bool { return c.Param("thread_ts") == m.TS })
		got := call.Param("text") + call.Param("blocks")
		if !strings.Contains(got, q.want) || (q.not != "" && strings.Contains(call.Param("text"), q.not)) {
			t.Errorf("@Liaison %s → %q; want %q without %q", q.text, call.Param("text"), q.want, q.not)
		}
		if strings.Contains(call.Param("blocks"), actionStatus) {
			t.Errorf("@Liaison %s: the public card shows admin controls", q.text)
		}
	}
	if n := len(h.items()); n != 3 {
		t.Errorf("questions captured items: %d", n)
	}
}

func TestCardShowsControlsByRole(t *testing.T) {
	h := backlogFixture(t)
	blocksFor := func(user string) string {
		env := h.slack.SendSlash("/backlog", "show 1", user, "C0GENERAL")
		h.settle(env)
		return string(h.slack.AcksFor(env.EnvelopeID)[0].Payload)
	}
	if b := blocksFor("U0ALICE"); strings.Contains(b, actionStatus) || strings.Contains(b, actionEffort) || !strings.Contains(b, actionVote) {
		t.Errorf("stakeholder card controls wrong: %s", b)
	}
	if b := blocksFor(developer); strings.Contains(b, actionStatus) || !strings.Contains(b, actionEffort+"_M") {
		t.Errorf("developer card: %s", b)
	}
	if b := blocksFor(admin); !strings.Contains(b, actionStatus) || !strings.Contains(b, actionEffort+"_XL") {
		t.Errorf("admin card: %s", b)
	}
}

func TestEffortButtons(t *testing.T) {
	h := backlogFixture(t)
	h.slash(admin, "score 1 reach=100 impact=1 confidence=100")
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", where, actionEffort+"_M", "1:M")))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction(developer, where, actionEffort+"_L", "1:L")))
	var alice, dev string
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		switch c.Param("user") {
		case "U0ALICE":
			alice = c.Param("text")
		case developer:
			dev = c.Param("text")
		}
	}
	if !strings.Contains(alice, "Only the team and product owners") {
		t.Errorf("stakeholder effort: %q", alice)
	}
	if !strings.Contains(dev, "Effort for *#1* set to L (4 person-weeks)") || !strings.Contains(dev, "scores *25*") {
		t.Errorf("developer effort: %q", dev)
	}
	if it := h.item(1); it.RICE.Effort == nil || *it.RICE.Effort != 4 || *it.RICE.Score != 25 {
		t.Errorf("#1 RICE = %+v", it.RICE)
	}
}
