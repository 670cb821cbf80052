package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/tracker"
	"github.com/liaisonbot/liaison/tracker/trackerfake"
)

// trackerHarness is the bot with GitHub (filing into acme/app) and Jira
// (filing into PROD) pointed at the fakes.
type trackerHarness struct {
	*harness
	gh   *trackerfake.GitHub
	jira *trackerfake.Jira
}

// startTrackerBot starts the bot with both trackers; githubToken is the
// token it holds for GitHub (trackerfake.GitHubToken is the right one).
func startTrackerBot(t *testing.T, githubToken string) *trackerHarness {
	t.Helper()
	gh := trackerfake.NewGitHub(t)
	jira := trackerfake.NewJira(t, "PROD")
	h := newHarness(t)
	cfg := h.bot.cfg
	cfg.Trackers = TrackerConfig{
		GitHub: &tracker.GitHubConfig{Token: githubToken, APIURL: gh.URL(), Repo: "acme/app"},
		Jira:   &tracker.JiraConfig{URL: jira.URL(), Email: trackerfake.JiraEmail, Token: trackerfake.JiraToken, Project: "PROD"},
		Poll:   time.Minute,
	}
	h.bot = New(cfg, h.db, h.bot.log, nil, h.sched)
	h.bot.ackFlush = 20 * time.Millisecond
	h.start()
	t.Cleanup(func() {
		for _, tok := range []string{githubToken, trackerfake.JiraToken} {
			if strings.Contains(h.logs.String(), tok) {
				t.Errorf("a tracker token reached the log")
			}
		}
	})
	return &trackerHarness{harness: h, gh: gh, jira: jira}
}

// poll runs the tracker poller once, as the scheduler does, and waits
// for what it sent.
func (h *trackerHarness) poll() {
	h.t.Helper()
	if err := h.bot.pollTrackers(context.Background(), time.Now()); err != nil {
		h.t.Fatalf("poll: %v", err)
	}
	h.settle()
}

// request captures a feature request by U0BOB in the monitored channel,
// with U0CAROL's vote, and returns its id.
func (h *trackerHarness) request(text string) int64 {
	h.t.Helper()
	before := len(h.items())
	_, env := h.slack.SendMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: text})
	h.settle(env)
	id := int64(before + 1)
	if reply := h.slash("U0CAROL", fmt.Sprintf("vote %d", id)); !strings.Contains(reply, "+1") && !strings.Contains(reply, "vote") {
		h.t.Fatalf("vote: %q", reply)
	}
	return id
}

// told counts the notifications delivered that contain marker, by
// destination ("thread:<ts>" or a DM's user id).
func (h *trackerHarness) told(marker string) map[string]int { return delivered(h.harness, marker) }

// statusChanges lists item id's status changes as "actor:from>to (note)".
func (h *trackerHarness) statusChanges(id int64) []string {
	h.t.Helper()
	changes, err := h.db.History(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	var out []string
	for _, c := range changes {
		if c.Type == "status" {
			out = append(out, fmt.Sprintf("%s:%s>%s (%s)", c.Actor, c.From, c.To, c.Note))
		}
	}
	return out
}

func wantOncePerFollower(t *testing.T, got map[string]int, what string) {
	t.Helper()
	dms := 0
	for dest, n := range got {
		if n != 1 {
			t.Errorf("%s delivered %d times to %s, want once", what, n, dest)
		}
		if !strings.HasPrefix(dest, "thread:") {
			dms++
		}
	}
	if got["U0BOB"] != 1 || got["U0CAROL"] != 1 || dms != 2 {
		t.Errorf("%s: delivered %v, want one DM each to the reporter U0BOB and the voter U0CAROL", what, got)
	}
}

func TestClosedGitHubIssueShipsTheItemAndTellsEachFollowerOnce(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Export dashboards as CSV")
	n := h.gh.AddIssue("acme/app", "CSV export")
	reply := h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	if !strings.Contains(reply, "acme/app#1") || !strings.Contains(reply, "Liaison follows it") {
		t.Errorf("link reply = %q", reply)
	}
	h.poll() // open: nothing moves
	if st := h.item(id).Status; st != backlog.StatusNew {
		t.Fatalf("after polling an open issue #%d is %s, want new", id, st)
	}

	h.gh.Close("acme/app", n, "completed")
	h.poll()
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Fatalf("after its issue closed #%d is %s, want shipped", id, st)
	}
	wantOncePerFollower(t, h.told("has *shipped*"), "shipped")
	if got := h.told("has *shipped*"); len(got) != 3 {
		t.Errorf("shipped delivered to %v, want the source thread and two DMs", got)
	}
	want := []string{"tracker:new>shipped (acme/app#1 closed as completed)"}
	if got := h.statusChanges(id); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status changes = %v, want %v", got, want)
	}
}

func TestMergedPullRequestShipsTheItem(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Single sign-on with Okta")
	n := h.gh.AddPull("acme/app", "Okta SSO")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.poll()
	h.gh.Merge("acme/app", n)
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Fatalf("after its pull request merged #%d is %s, want shipped", id, st)
	}
	wantOncePerFollower(t, h.told("has *shipped*"), "shipped")
	if got := h.statusChanges(id); len(got) != 1 || !strings.Contains(got[0], "acme/app#1 merged") {
		t.Errorf("status changes = %v", got)
	}
}

func TestIssueClosedAsNotPlannedDeclinesWithTheReason(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Offline mode for the mobile app")
	n := h.gh.AddIssue("acme/app", "Offline mode")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.gh.Close("acme/app", n, "not_planned")
	h.poll()
	if it := h.item(id); it.Status != backlog.StatusDeclined {
		t.Fatalf("#%d is %s, want declined", id, it.Status)
	}
	wantOncePerFollower(t, h.told("was *declined*: closed as not planned in acme/app#1"), "declined with its reason")
}

func TestReopenedIssueMovesTheItemInProgress(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Audit log export")
	n := h.gh.AddIssue("acme/app", "Audit log")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.gh.Close("acme/app", n, "completed")
	h.poll()
	h.gh.Reopen("acme/app", n)
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusInProgress {
		t.Fatalf("after its issue reopened #%d is %s, want in progress", id, st)
	}
	wantOncePerFollower(t, h.told("Work has started on"), "in progress")
}

func TestMoveByHandIsKeptUntilTheIssueChangesAgain(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Bulk edit of labels")
	n := h.gh.AddIssue("acme/app", "Bulk edit")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.gh.Close("acme/app", n, "completed")
	h.poll()
	h.slash(admin, fmt.Sprintf("status %d planned", id)) // not done after all
	h.poll()
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusPlanned {
		t.Fatalf("the issue did not change, yet #%d went from planned to %s", id, st)
	}
	h.gh.Reopen("acme/app", n)
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusInProgress {
		t.Fatalf("after its issue reopened #%d is %s, want in progress", id, st)
	}
}

func TestJiraTicketMovesTheItemThroughToDoInProgressDone(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Usage report per team")
	key := h.jira.AddIssue("PROD")
	reply := h.slash(admin, fmt.Sprintf("link %d %s", id, h.jira.IssueURL(key)))
	if !strings.Contains(reply, key) || !strings.Contains(reply, "In Progress and Done") {
		t.Errorf("link reply = %q", reply)
	}
	steps := []struct {
		status, category string
		want             backlog.Status
	}{
		{"", "", backlog.StatusPlanned}, // To Do, as linked
		{"In Progress", "indeterminate", backlog.StatusInProgress},
		{"In Review", "indeterminate", backlog.StatusInProgress},
		{"Done", "done", backlog.StatusShipped},
	}
	for _, s := range steps {
		if s.status != "" {
			h.jira.Move(key, s.status, s.category)
		}
		h.poll()
		if st := h.item(id).Status; st != s.want {
			t.Fatalf("with %s in %q #%d is %s, want %s", key, s.status, id, st, s.want)
		}
	}
	wantOncePerFollower(t, h.told("is now *planned*"), "planned")
	wantOncePerFollower(t, h.told("Work has started on"), "in progress")
	wantOncePerFollower(t, h.told("has *shipped*"), "shipped")
	want := []string{
		"tracker:new>planned (PROD-1 moved to To Do)",
		"tracker:planned>in_progress (PROD-1 moved to In Progress)",
		"tracker:in_progress>shipped (PROD-1 moved to Done)",
	}
	if got := h.statusChanges(id); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status changes = %v, want %v", got, want)
	}
	searches := h.jira.Searches()
	if len(searches) < 2 || !strings.Contains(searches[len(searches)-1], `updated >= "-`) {
		t.Errorf("later searches should ask only for updates since the last poll: %q", searches)
	}
}

func TestUnchangedIssuePolledTwiceCostsOneFullAnswerThen304s(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Keyboard shortcuts")
	n := h.gh.AddIssue("acme/app", "Shortcuts")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	for range 3 {
		h.poll()
	}
	if full, notModified := h.gh.Answers("acme/app", n); full != 1 || notModified != 2 {
		t.Errorf("three polls of an unchanged issue: %d full answers and %d 304s, want 1 and 2", full, notModified)
	}
	if got := testutil.ToFloat64(h.bot.metrics.tracker.WithLabelValues("github", "not_modified")); got != 2 {
		t.Errorf("liaison_tracker_requests_total{github,not_modified} = %v, want 2", got)
	}
}

func TestRateLimitedGitHubHoldsThePollerUntilRetryAfter(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Dark mode")
	n := h.gh.AddIssue("acme/app", "Dark mode")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.gh.Close("acme/app", n, "completed")
	h.gh.Fail(trackerfake.Fault{Status: 429, RetryAfter: "4"}, 1)
	held := time.Now()
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusNew {
		t.Fatalf("#%d is %s after a 429, want new still", id, st)
	}
	calls := h.gh.Calls()
	h.poll()
	switch got := h.gh.Calls(); {
	case time.Since(held) >= 4*time.Second:
		t.Logf("the machine took %v for two polls; the hold was over", time.Since(held))
	case got != calls:
		t.Errorf("a poll within Retry-After sent %d requests to GitHub, want none", got-calls)
	}
	if reply := h.slash(admin, "stats"); !strings.Contains(reply, "GitHub 1 followed, *rate limited*") {
		t.Errorf("stats while held: %q", reply)
	}
	h.slack.WaitFor("the poll after Retry-After to ship the item", func() bool {
		h.poll()
		return h.item(id).Status == backlog.StatusShipped
	})
	if time.Since(held) < 4*time.Second {
		t.Errorf("the item shipped %v after a 429 with Retry-After: 4", time.Since(held))
	}
	wantOncePerFollower(t, h.told("has *shipped*"), "shipped after the rate limit")
}

func TestRefusedTokenIsInStatsAndLoggedOnceWithoutTheToken(t *testing.T) {
	const wrong = "ghp_notthetoken000000"
	h := startTrackerBot(t, wrong)
	id := h.request("Webhooks for new items")
	n := h.gh.AddIssue("acme/app", "Webhooks")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.poll()
	h.poll()
	if got := strings.Count(h.logs.String(), "tracker refused Liaison's token"); got != 1 {
		t.Errorf("the refused token was logged %d times over two polls, want once", got)
	}
	if got := testutil.ToFloat64(h.bot.metrics.tracker.WithLabelValues("github", "refused")); got != 2 {
		t.Errorf("liaison_tracker_requests_total{github,refused} = %v, want 2", got)
	}
	reply := h.slash(admin, "stats")
	if !strings.Contains(reply, "GitHub 1 followed, *token refused: check trackers.github* since") {
		t.Errorf("stats = %q", reply)
	}
	if !strings.Contains(reply, "Jira 0 followed, answering") {
		t.Errorf("stats should show Jira unaffected: %q", reply)
	}
	// Slack work goes on.
	if reply := h.slash("U0DANA", "vote 1"); !strings.Contains(reply, "#1") {
		t.Errorf("vote while GitHub refuses the token: %q", reply)
	}
}

func TestDeletedIssueIsLoggedOnceAndOthersStillMove(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	gone := h.request("Gantt chart view")
	kept := h.request("Calendar view")
	jiraGone := h.request("Time tracking")
	jiraKept := h.request("Burndown")
	n1, n2 := h.gh.AddIssue("acme/app", "Gantt"), h.gh.AddIssue("acme/app", "Calendar")
	k1, k2 := h.jira.AddIssue("PROD"), h.jira.AddIssue("PROD")
	h.slash(admin, fmt.Sprintf("link %d %s", gone, h.gh.IssueURL("acme/app", n1)))
	h.slash(admin, fmt.Sprintf("link %d %s", kept, h.gh.IssueURL("acme/app", n2)))
	h.slash(admin, fmt.Sprintf("link %d %s", jiraGone, h.jira.IssueURL(k1)))
	h.slash(admin, fmt.Sprintf("link %d %s", jiraKept, h.jira.IssueURL(k2)))
	h.poll()
	h.gh.Delete("acme/app", n1)
	h.jira.Delete(k1)
	h.gh.Close("acme/app", n2, "completed")
	h.jira.Move(k2, "Done", "done")
	h.poll()
	h.poll()
	if st := h.item(kept).Status; st != backlog.StatusShipped {
		t.Errorf("#%d is %s, want shipped though another linked issue is gone", kept, st)
	}
	if st := h.item(jiraKept).Status; st != backlog.StatusShipped {
		t.Errorf("#%d is %s, want shipped though another Jira issue is gone", jiraKept, st)
	}
	if got := strings.Count(h.logs.String(), "linked issue cannot be read"); got != 2 {
		t.Errorf("the two deleted issues were logged %d times over two polls, want once each", got)
	}
	if reply := h.slash(admin, "stats"); !strings.Contains(reply, fmt.Sprintf("GitHub 2 followed, 1 unreadable (#%d), answering", gone)) ||
		!strings.Contains(reply, fmt.Sprintf("Jira 2 followed, 1 unreadable (#%d), answering", jiraGone)) {
		t.Errorf("stats = %q", reply)
	}
}

func TestRestartBetweenPollsMovesAndTellsNothingTwice(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("SAML login")
	n := h.gh.AddIssue("acme/app", "SAML")
	key := h.jira.AddIssue("PROD")
	other := h.request("SCIM provisioning")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.gh.IssueURL("acme/app", n)))
	h.slash(admin, fmt.Sprintf("link %d %s", other, h.jira.IssueURL(key)))
	h.poll()
	h.gh.Close("acme/app", n, "completed")
	h.jira.Move(key, "Done", "done")
	h.poll()
	h.restart()
	h.poll()
	h.poll()
	if got := h.statusChanges(id); len(got) != 1 {
		t.Errorf("GitHub-linked #%d changed status %v, want once", id, got)
	}
	if got := h.statusChanges(other); len(got) != 2 { // planned (To Do), then shipped
		t.Errorf("Jira-linked #%d changed status %v, want twice", other, got)
	}
	for _, title := range []string{"SAML login", "SCIM provisioning"} {
		got := map[string]int{}
		for _, c := range h.slack.Calls("chat.postMessage") {
			if text := c.Param("text"); c.Status == 200 && c.Error == "" && strings.Contains(text, title) && strings.Contains(text, "has *shipped*") {
				got[c.Param("channel")+" "+c.Param("thread_ts")]++
			}
		}
		for dest, c := range got {
			if c != 1 {
				t.Errorf("%s shipped told %d times to %s across a restart, want once", title, c, dest)
			}
		}
		if len(got) != 3 {
			t.Errorf("%s shipped told at %v, want its thread and two DMs", title, got)
		}
	}
}

// fileButton presses "Create <tracker> issue" on item id's card as user.
func (h *trackerHarness) fileButton(user string, id int64, t tracker.Name) slackfake.Envelope {
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	return h.slack.SendInteractive(slackfake.BlockAction(user, where, fileIssueAction(t), fmt.Sprint(id)))
}

// ephemeral lists the texts shown only to user, oldest first.
func (h *trackerHarness) ephemeral(user string) []string {
	var out []string
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		if c.Param("user") == user && c.Status == 200 && c.Error == "" {
			out = append(out, c.Param("text"))
		}
	}
	return out
}

func TestCreateGitHubIssueFromTheCard(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Export to <Excel> & @everyone's sheets")
	h.slash(admin, fmt.Sprintf("label %d +reports", id))
	h.slash(admin, fmt.Sprintf("score %d reach=100 impact=2 confidence=50 effort=1", id))
	dup := h.request("xlsx export please")
	h.slash(admin, fmt.Sprintf("merge %d into %d", dup, id))

	card := func(user string) string {
		env := h.slack.SendSlash("/backlog", fmt.Sprintf("show %d", id), user, "C0GENERAL")
		h.settle(env)
		return string(h.slack.AcksFor(env.EnvelopeID)[0].Payload)
	}
	if c := card("U0ALICE"); strings.Contains(c, actionFileIssue) {
		t.Errorf("a stakeholder's card offers to file issues: %s", c)
	}
	if c := card(admin); !strings.Contains(c, fileIssueAction(tracker.GitHub)) || !strings.Contains(c, "Create Jira issue") {
		t.Errorf("an admin's card has no Create issue buttons: %s", c)
	}

	h.settle(h.fileButton("U0ALICE", id, tracker.GitHub))
	if got := h.gh.Created(); len(got) != 0 {
		t.Fatalf("a stakeholder's click filed %d issues", len(got))
	}
	if got := h.ephemeral("U0ALICE"); len(got) == 0 || !strings.Contains(got[len(got)-1], "Only product owners") {
		t.Errorf("stakeholder told %q", got)
	}

	// Two clicks at once, then a third: one issue.
	h.settle(h.fileButton(admin, id, tracker.GitHub), h.fileButton(admin, id, tracker.GitHub))
	h.settle(h.fileButton(admin, id, tracker.GitHub))
	created := h.gh.Created()
	if len(created) != 1 {
		t.Fatalf("three clicks filed %d issues, want 1", len(created))
	}
	is := created[0]
	if is.Repo != "acme/app" || is.Title != h.item(id).Title {
		t.Errorf("filed %+v", is)
	}
	for _, want := range []string{
		"> Export to &lt;Excel&gt; &amp; @\u200beveryone's sheets", // the request as typed, quoted, mentioning no one
		"**Asked by:** 2 people", "**Labels:** reports", "**RICE score:** 100", "https://fake.slack.com/archives/" + feedChannel,
		"Filed from Liaison item #1",
	} {
		if !strings.Contains(is.Body, want) {
			t.Errorf("issue body lacks %q:\n%s", want, is.Body)
		}
	}
	if got := strings.Count(is.Body, "https://fake.slack.com/archives/"); got != 2 {
		t.Errorf("issue body has %d source links, want 2 (the item and its duplicate):\n%s", got, is.Body)
	}
	it := h.item(id)
	if it.Status != backlog.StatusPlanned || it.TrackerURL != h.gh.IssueURL("acme/app", is.Number) {
		t.Errorf("#%d after filing: %s, linked to %q", id, it.Status, it.TrackerURL)
	}
	texts := strings.Join(h.ephemeral(admin), "\n")
	if strings.Count(texts, "Filed *#1*") != 1 || !strings.Contains(texts, "acme/app#1") || !strings.Contains(texts, "is already tracked as") {
		t.Errorf("admin was told:\n%s", texts)
	}
	wantOncePerFollower(t, h.told("is now *planned*"), "planned by filing")
	// It follows the new issue.
	h.gh.Close("acme/app", is.Number, "completed")
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Errorf("after its filed issue closed #%d is %s, want shipped", id, st)
	}
}

func TestBacklogIssueFilesInJira(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	_, env := h.slack.SendMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: "bug: Login fails on Safari\n\nSteps: open the page."})
	h.settle(env)
	if reply := h.slash(admin, "issue 1"); !strings.Contains(reply, "Which tracker?") || !strings.Contains(reply, "github|jira") {
		t.Errorf("issue without a tracker, both set up: %q", reply)
	}
	if reply := h.slash("U0ALICE", "issue 1 jira"); !strings.Contains(reply, "Only product owners") {
		t.Errorf("a stakeholder's /backlog issue: %q", reply)
	}
	if reply := h.slash(admin, "issue 1 jira"); !strings.Contains(reply, "Filing *#1* in Jira (PROD)") {
		t.Errorf("/backlog issue ack = %q", reply)
	}
	h.slack.WaitFor("the filed issue's answer", func() bool { return len(h.ephemeral(admin)) > 0 })
	h.settle()
	if got := h.ephemeral(admin); len(got) != 1 || !strings.Contains(got[0], "as <"+h.jira.IssueURL("PROD-1")+"|PROD-1>") {
		t.Errorf("admin told %q", got)
	}
	created := h.jira.Created()
	if len(created) != 1 || created[0].Type != "Bug" || created[0].Title != "Login fails on Safari" {
		t.Fatalf("filed in Jira: %+v", created)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(created[0].Body), &doc); err != nil || doc["type"] != "doc" {
		t.Fatalf("description is not an ADF document: %s", created[0].Body)
	}
	if !strings.Contains(created[0].Body, "Steps: open the page.") || !strings.Contains(created[0].Body, "Asked by: ") {
		t.Errorf("description lacks the request or its facts: %s", created[0].Body)
	}
	if reply := h.slash(admin, "issue 1 jira"); !strings.Contains(reply, "already tracked as <"+h.jira.IssueURL("PROD-1")+"|PROD-1>") {
		t.Errorf("asking twice: %q", reply)
	}
	if len(h.jira.Created()) != 1 {
		t.Errorf("asking twice filed again")
	}
}

func TestFilingThatFailsSaysWhyAndCanBeRetried(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Custom fields")
	h.gh.Fail(trackerfake.Fault{Status: 500}, 1)
	h.slash(admin, fmt.Sprintf("issue %d github", id))
	h.slack.WaitFor("the failure's answer", func() bool { return len(h.ephemeral(admin)) > 0 })
	if got := h.ephemeral(admin); !strings.Contains(got[0], "GitHub could not be reached, so nothing was filed") {
		t.Errorf("admin told %q", got)
	}
	if st := h.item(id).Status; st != backlog.StatusNew {
		t.Errorf("#%d is %s after a failed filing, want new", id, st)
	}
	// GitHub backs off after a 5xx: asked again at once, nothing is sent,
	// and the claim on filing was given up (no "being filed right now").
	calls := h.gh.Calls()
	h.slash(admin, fmt.Sprintf("issue %d github", id))
	h.slack.WaitFor("the second answer", func() bool { return len(h.ephemeral(admin)) > 1 })
	if got := h.ephemeral(admin); !strings.Contains(got[1], "could not be reached") || h.gh.Calls() != calls {
		t.Errorf("asked again during the back-off: told %q, %d requests sent", got[1], h.gh.Calls()-calls)
	}
	h.restart()
	h.slash(admin, fmt.Sprintf("issue %d github", id))
	h.slack.WaitFor("the retried filing", func() bool { return len(h.gh.Created()) == 1 })
	h.settle()
	if st := h.item(id).Status; st != backlog.StatusPlanned {
		t.Errorf("#%d is %s after filing, want planned", id, st)
	}
}

func TestLinksMadeBeforeAreFollowedAtStart(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Slack digest per team")
	n := h.gh.AddIssue("acme/app", "Per-team digest")
	// As an import or an older version leaves it: a URL and no link row.
	if _, err := h.db.Link(context.Background(), id, admin, h.gh.IssueURL("acme/app", n), nil); err != nil {
		t.Fatal(err)
	}
	h.restart()
	h.slack.WaitFor("the tracker poller to be scheduled", func() bool { _, ok := h.sched.nextRun(trackerJob); return ok })
	h.gh.Close("acme/app", n, "completed")
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Errorf("#%d linked before the start is %s after its issue closed, want shipped", id, st)
	}
}

func TestLinkToAnUnfollowedTrackerSaysSo(t *testing.T) {
	h := backlogFixture(t) // no trackers set up
	reply := h.slash(admin, "link 1 https://github.com/acme/app/issues/3")
	if !strings.Contains(reply, "now links to <https://github.com/acme/app/issues/3|github.com/acme/app/issues/3>") ||
		!strings.Contains(reply, "once whoever runs it sets up `trackers.github`") {
		t.Errorf("link without GitHub set up: %q", reply)
	}
	if reply := h.slash(admin, "issue 1"); !strings.Contains(reply, "No tracker is set up") {
		t.Errorf("issue without trackers: %q", reply)
	}
}

func TestTicketBehindTheItemWhenLinkedDoesNotMoveItBack(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Saved filters")
	h.slash(admin, fmt.Sprintf("status %d in_progress", id))
	key := h.jira.AddIssue("PROD") // To Do
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.jira.IssueURL(key)))
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusInProgress {
		t.Fatalf("linked to a To Do ticket, #%d went from in progress to %s", id, st)
	}
	h.jira.Move(key, "Done", "done")
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Errorf("after its ticket is done #%d is %s, want shipped", id, st)
	}
}

func TestIssueUnreadableForAWhileIsReadWholeAgain(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Team quotas")
	key := h.jira.AddIssue("PROD")
	h.slash(admin, fmt.Sprintf("link %d %s", id, h.jira.IssueURL(key)))
	h.poll() // To Do: planned
	h.jira.Hide(key, true)
	h.jira.Move(key, "Done", "done")
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusPlanned {
		t.Fatalf("#%d is %s while its ticket cannot be read", id, st)
	}
	h.jira.Hide(key, false)
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusShipped {
		t.Errorf("#%d is %s once its done ticket can be read again, want shipped", id, st)
	}
	searches := h.jira.Searches()
	if last := searches[len(searches)-1]; strings.Contains(last, "updated") {
		t.Errorf("after a poll that could not read it, the ticket was asked only for recent changes: %q", last)
	}
}

func TestPullRequestLinkedAsAnIssueIsNotShippedUnmerged(t *testing.T) {
	h := startTrackerBot(t, trackerfake.GitHubToken)
	id := h.request("Faster search")
	n := h.gh.AddPull("acme/app", "Search index")
	h.slash(admin, fmt.Sprintf("link %d %s/acme/app/issues/%d", id, h.gh.URL(), n))
	h.poll()
	h.gh.Close("acme/app", n, "")
	h.poll()
	if st := h.item(id).Status; st != backlog.StatusNew {
		t.Errorf("a pull request closed without merging moved #%d to %s", id, st)
	}
}
