package bot

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

func digestFixture() backlog.DigestData {
	score := 120.5
	open := entry(7, "Audit log", 9)
	open.RICE.Score = &score
	declined := entry(5, "Fax export", 2)
	declined.Reason = "nobody <!here> uses fax"
	return backlog.DigestData{
		Start: time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), End: time.Date(2026, 11, 30, 8, 0, 0, 0, time.UTC),
		New: 12, PrevNew: 9, Shipped: 2, PrevShipped: 3, Planned: 1, Declined: 1, Waiting: 14, InProgress: 3, Open: 40,
		ShippedItems:  []backlog.DigestEntry{entry(1, "Dark mode <!channel>", 14), entry(2, "CSV export", 3)},
		PlannedItems:  []backlog.DigestEntry{entry(3, "SSO", 8)},
		DeclinedItems: []backlog.DigestEntry{declined},
		TopNew:        []backlog.DigestEntry{entry(9, "Kanban", 5)},
		TopOpen:       []backlog.DigestEntry{open},
		WaitingItems:  []backlog.DigestEntry{entry(4, "Offline mode", 1)},
	}
}

func TestComposeDigestSections(t *testing.T) {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	posts := ComposeDigest("weekly-stakeholders", digestFixture(), berlin, "")
	if len(posts) != 1 {
		t.Fatalf("%d posts, want 1", len(posts))
	}
	raw, _ := json.Marshal(posts[0].Blocks)
	text := DigestText(posts)
	for _, want := range []string{
		"BACKLOG DIGEST — WEEKLY-STAKEHOLDERS",
		"23 Nov 09:00 – 30 Nov 2026 09:00 (Europe/Berlin)",
		"New 12 (+3) · Shipped 2 (−1) · In progress 3 · Open 40",
		"Shipped\n• #1 Dark mode <!channel> — asked for by 14 people",
		"Newly planned\n• #3 SSO — 8 people",
		"Declined\n• #5 Fax export — nobody <!here> uses fax",
		"Top new requests\n• #9 Kanban — 5 votes\nand 11 more",
		"Top open by score\n• #7 Audit log — score 120.5, 9 votes",
		"Waiting in triage\n• #4 Offline mode — since 2 Nov\nand 13 more",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("digest text lacks %q:\n%s", want, text)
		}
	}
	// On decoded mrkdwn: in the JSON "<" is "\u003c". The title and the
	// reason are both there, escaped.
	checkMrkdwnEscaped(t, "digest", append(mrkdwnTexts(t, string(raw)), posts[0].Text),
		"*#1* Dark mode &lt;!channel&gt; — asked for by", "*#5* Fax export — nobody &lt;!here&gt; uses fax")
}

func TestComposeDigestQuietPeriod(t *testing.T) {
	d := backlog.DigestData{Start: time.Now().Add(-time.Hour), End: time.Now(), Open: 4}
	posts := ComposeDigest("daily", d, time.UTC, "")
	if len(posts) != 1 || len(posts[0].Blocks) != 1 || !strings.Contains(posts[0].Text, "a quiet period") {
		t.Errorf("quiet digest = %+v", posts)
	}
}

func TestComposeDigestSplitsAt50BlocksAnd3000Characters(t *testing.T) {
	d := digestFixture()
	long := strings.Repeat("very long title words ", 6) // ~130 characters
	for i := range 10 {
		d.ShippedItems = append(d.ShippedItems, entry(int64(100+i), long, i))
	}
	d.Shipped = len(d.ShippedItems)
	posts := ComposeDigest("big", d, time.UTC, "")
	for i, p := range posts {
		if len(p.Blocks) > maxMessageBlocks {
			t.Errorf("post %d has %d blocks", i, len(p.Blocks))
		}
		for _, b := range p.Blocks {
			if s, ok := b.(*slack.SectionBlock); ok && s.Text != nil && len([]rune(s.Text.Text)) > maxSectionText {
				t.Errorf("post %d has a section of %d characters", i, len([]rune(s.Text.Text)))
			}
		}
	}
	// Many sections: force more than 50 blocks with tiny sections.
	var many []slack.Block
	for i := range 120 {
		many = append(many, slack.NewSectionBlock(md(fmt.Sprint(i)), nil, nil))
	}
	split := split("t", "p", []slack.Block{slack.NewHeaderBlock(plain("h"))}, many)
	if len(split) < 3 {
		t.Fatalf("121 blocks in %d posts", len(split))
	}
	total := 0
	for i, p := range split {
		if len(p.Blocks) > maxMessageBlocks {
			t.Errorf("post %d: %d blocks", i, len(p.Blocks))
		}
		total += len(p.Blocks)
	}
	if total < 121 {
		t.Errorf("blocks lost in the split: %d", total)
	}
	if !strings.Contains(DigestText(split[:1]), "More in the thread") {
		t.Error("the first post does not say the digest continues in the thread")
	}
	if s := sections("*T*", []string{strings.Repeat("x", 2000), strings.Repeat("y", 2000)}); len(s) != 2 {
		t.Errorf("6,000 characters in %d sections", len(s))
	}
}

// digestHarness runs a bot with one configured daily digest in C0STAKE.
func digestHarness(t *testing.T, created time.Time) (*harness, storage.Subscription) {
	h := newHarness(t)
	// A schedule that never fires during a test: the tests run periods themselves.
	h.bot.cfg.Digests = []storage.Subscription{{Name: "daily-stakeholders", Channel: "C0STAKE", Schedule: "0 9 1 1 *",
		Timezone: "Europe/Berlin", CatchUp: 6 * time.Hour, TriageDays: 7, Origin: "config"}}
	h.start()
	// Run reconciles the configured digests after the socket connects.
	h.slack.WaitFor("the digest to be scheduled", func() bool { _, ok := h.sched.nextRun("daily-stakeholders"); return ok })
	subs, err := h.db.Subscriptions(t.Context())
	if err != nil || len(subs) != 1 {
		t.Fatalf("subscriptions = %v, %v", subs, err)
	}
	return h, subs[0]
}

func TestDigestPostsOncePerPeriodAcrossRetriesAndRestart(t *testing.T) {
	h, sub := digestHarness(t, time.Now())
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	h.slash(admin, "status 1 shipped")

	due := time.Now().Add(time.Minute)                    // the period since the last due time holds the new item
	h.slack.RateLimit("chat.postMessage", 1, time.Second) // the first attempt meets a 429
	for range 2 {
		if err := h.bot.runDigest(t.Context(), sub, due); err != nil {
			t.Fatal(err)
		}
	}
	h.slack.WaitFor("the digest post", func() bool { return len(digestPosts(h)) >= 1 })
	h.restart() // a restart within the period: nothing posts twice
	if err := h.bot.runDigest(t.Context(), sub, due); err != nil {
		t.Fatal(err)
	}
	h.settle()
	posts := digestPosts(h)
	if len(posts) != 1 {
		t.Fatalf("%d digest posts for one period, want 1", len(posts))
	}
	for _, want := range []string{"Backlog digest — daily-stakeholders", "Dark mode for reports", "Shipped"} {
		if !strings.Contains(posts[0].Param("text")+posts[0].Param("blocks"), want) {
			t.Errorf("digest lacks %q: %s", want, posts[0].Param("blocks"))
		}
	}
	h.slack.WaitFor("the run marked posted", func() bool {
		r, ok, _ := h.db.RunAt(t.Context(), sub.ID, due)
		return ok && r.State == "posted" && r.MessageTS != ""
	})
	// The next minute is a new period.
	if err := h.bot.runDigest(t.Context(), sub, due.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h.slack.WaitFor("the next period's post", func() bool { return len(digestPosts(h)) == 2 })
	if !strings.Contains(digestPosts(h)[1].Param("text"), "quiet period") {
		t.Errorf("second period = %q, want a quiet period", digestPosts(h)[1].Param("text"))
	}
}

func TestDigestSubscribeListAndPermissions(t *testing.T) {
	h := newHarness(t)
	h.bot.cfg.Timezone = "Europe/Berlin"
	h.start()
	refused := h.slash("U0ALICE", "digest subscribe weekly mon 09:00 <#C0STAKE|stakeholders>")
	if !strings.Contains(refused, "Only product owners can subscribe") {
		t.Errorf("stakeholder subscribe = %q", refused)
	}
	got := h.slash(admin, "digest subscribe weekly mon 09:00 <#C0STAKE|stakeholders> bugs <#C0BILL|billing>")
	if !strings.Contains(got, "Subscribed <#C0STAKE> to digest `1` (0 9 * * MON, Europe/Berlin)") || !strings.Contains(got, "Mon ") {
		t.Errorf("subscribe = %q", got)
	}
	if bad := h.slash(admin, "digest subscribe fortnightly <#C0STAKE>"); !strings.Contains(bad, "e.g. \"weekly mon 09:00\"") {
		t.Errorf("bad schedule = %q", bad)
	}
	list := h.slash("U0ALICE", "digest list")
	if !strings.Contains(list, "`1` subscription 1 — weekly mon 09:00, Europe/Berlin (slack) in <#C0STAKE> — next Mon") ||
		!(strings.Contains(list, "CET") || strings.Contains(list, "CEST")) {
		t.Errorf("list = %q", list)
	}
	subs, _ := h.db.Subscriptions(t.Context())
	if len(subs) != 1 || len(subs[0].Filter.Kinds) != 1 || subs[0].Filter.Any[0] != "billing" {
		t.Errorf("stored = %+v", subs)
	}
	if next, ok := h.sched.nextRun("slack-1"); !ok || next.In(subs[0].CreatedAt.Location()).IsZero() {
		t.Error("the new subscription is not scheduled")
	}
	if got := h.slash(admin, "digest unsubscribe 1"); !strings.Contains(got, "unsubscribed") {
		t.Errorf("unsubscribe = %q", got)
	}
	if _, ok := h.sched.nextRun("slack-1"); ok {
		t.Error("an unsubscribed digest is still scheduled")
	}
	if got := h.slash("U0ALICE", "digest preview"); !strings.Contains(got, "a quiet period") {
		t.Errorf("preview = %q", got)
	}
	h.slash(admin, "digest now <#C0STAKE|stakeholders>")
	h.slack.WaitFor("digest now", func() bool { return len(digestPosts(h)) == 1 })
}

func TestDigestNowIsPrivateForEveryoneAndRationedInChannels(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode", "U0BOB", "C0GENERAL"))
	if got := h.slash("U0ALICE", "digest now"); !strings.Contains(got, "Digest") && !strings.Contains(got, "digest") {
		t.Errorf("digest now, alone = %q; want the digest, privately", got)
	}
	if got := h.slash("U0ALICE", "digest now <#C0STAKE|stakeholders>"); !strings.Contains(got, "Only product owners can post a digest into a channel") {
		t.Errorf("a stakeholder's digest now #channel = %q", got)
	}
	if got := h.slash(admin, "digest now <#C0STAKE|stakeholders>"); !strings.Contains(got, "Posting the digest") {
		t.Errorf("an admin's digest now #channel = %q", got)
	}
	for i := range 3 {
		if got := h.slash(admin, "digest now <#C0STAKE|stakeholders>"); !strings.Contains(got, "minutes ago; the next one can go after") {
			t.Errorf("digest now #channel again (%d) = %q; want it refused for 10 minutes", i, got)
		}
	}
	if got := h.slash(admin, "digest now <#C0OTHER|other>"); !strings.Contains(got, "Posting the digest") {
		t.Errorf("digest now into another channel = %q", got)
	}
	h.settle()
	posts := map[string]int{}
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Status == 200 {
			posts[c.Param("channel")]++
		}
	}
	if posts["C0STAKE"] != 1 || posts["C0OTHER"] != 1 || posts["C0GENERAL"] != 0 {
		t.Errorf("digests posted = %v, want one each in C0STAKE and C0OTHER and none where people asked", posts)
	}
	charts := map[string]int{}
	for _, f := range h.slack.Files() {
		if f.ThreadTS == "" {
			t.Errorf("a chart was shared outside the digest's thread in %s", f.Channel)
		}
		charts[f.Channel]++
	}
	if charts["C0STAKE"] != 1 || charts["C0OTHER"] != 1 || len(charts) != 2 {
		t.Errorf("charts shared = %v, want one in each digest's thread", charts)
	}
}

func TestCatchUpOnStartPostsRecentMissAndSkipsOldOne(t *testing.T) {
	h := newHarness(t)
	now := time.Now().UTC()
	recent, old := now.Add(-2*time.Hour), now.Add(-8*time.Hour)
	h.bot.cfg.Digests = []storage.Subscription{
		{Name: "recent", Channel: "C0STAKE", Schedule: fmt.Sprintf("%d %d * * *", recent.Minute(), recent.Hour()),
			Timezone: "UTC", CatchUp: 6 * time.Hour, TriageDays: 7, Origin: "config"},
		{Name: "old", Channel: "C0OLD", Schedule: fmt.Sprintf("%d %d * * *", old.Minute(), old.Hour()),
			Timezone: "UTC", CatchUp: 6 * time.Hour, TriageDays: 7, Origin: "config"},
	}
	// The subscriptions existed yesterday, so today's due times were missed.
	if err := h.db.ReconcileSubscriptions(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	h.db.Now = func() time.Time { return now.AddDate(0, 0, -1) }
	if err := h.db.ReconcileSubscriptions(t.Context(), h.bot.cfg.Digests); err != nil {
		t.Fatal(err)
	}
	h.db.Now = time.Now
	h.start()
	h.slack.WaitFor("the caught-up digest", func() bool { return len(digestPosts(h)) == 1 })
	h.settle()
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Param("channel") == "C0OLD" {
			t.Error("a digest outside its catch-up window was posted")
		}
	}
	subs, _ := h.db.Subscriptions(t.Context())
	states := map[string]string{}
	for _, s := range subs {
		if r, ok, _ := h.db.LastRun(t.Context(), s.ID); ok {
			states[s.Name] = r.State
		}
		if r, ok, _ := h.db.RunAt(t.Context(), s.ID, old.Truncate(time.Minute)); ok {
			states[s.Name] = r.State
		}
	}
	if states["old"] != storage.RunSkipped || (states["recent"] != storage.RunPosting && states["recent"] != "posted") {
		t.Errorf("run states = %v", states)
	}
	if !strings.Contains(h.logs.String(), "outside its catch-up window; skipped") {
		t.Error("the skipped digest was not logged")
	}
	h.restart() // the caught-up period is recorded: no second post
	h.settle()
	if n := len(digestPosts(h)); n != 1 {
		t.Errorf("%d posts after a restart, want 1", n)
	}
}

func TestDigestAndHomeLinkToTheRoadmap(t *testing.T) {
	const u = "https://roadmap.acme.com/roadmap"
	link := "<" + u + "|View the roadmap>"
	posts := ComposeDigest("weekly", digestFixture(), time.UTC, u)
	if got := BlocksText(posts[0].Blocks); !strings.Contains(got, "View the roadmap") {
		t.Errorf("digest text lacks the roadmap: %s", got)
	}
	if js, _ := json.Marshal(posts[0].Blocks); !strings.Contains(decodedText(t, js), link) {
		t.Errorf("digest blocks lack %s", link)
	}
	quiet := ComposeDigest("weekly", backlog.DigestData{Open: 3}, time.UTC, u)
	if !strings.Contains(quiet[0].Text, link) {
		t.Errorf("a quiet digest lacks the roadmap: %s", quiet[0].Text)
	}
	if none := ComposeDigest("weekly", digestFixture(), time.UTC, ""); strings.Contains(BlocksText(none[0].Blocks), "roadmap") {
		t.Errorf("a digest links to a roadmap that has no address")
	}
	if bad := ComposeDigest("weekly", backlog.DigestData{}, time.UTC, "javascript:alert(1)"); strings.Contains(bad[0].Text, "View the roadmap") {
		t.Errorf("a digest links to %q", "javascript:alert(1)")
	}
	home, _ := json.Marshal(homeTab(homeData{RoadmapURL: u}).Blocks)
	if !strings.Contains(decodedText(t, home), link) {
		t.Errorf("App Home lacks %s", link)
	}
}

// sharedCompletes counts files.completeUploadExternal calls Slack accepted.
func sharedCompletes(h *harness) int {
	n := 0
	for _, c := range h.slack.Calls("files.completeUploadExternal") {
		if c.Status == 200 && c.Error == "" {
			n++
		}
	}
	return n
}

func TestDigestChartIsUploadedOncePerPeriodThroughA429AndARestart(t *testing.T) {
	h, sub := digestHarness(t, time.Now())
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	h.slash(admin, "status 1 shipped")
	due := time.Now().Add(time.Minute)
	h.slack.RateLimit("files.completeUploadExternal", 1, time.Second) // the first share meets a 429
	for range 2 {
		if err := h.bot.runDigest(t.Context(), sub, due); err != nil {
			t.Fatal(err)
		}
	}
	h.slack.WaitFor("the chart in the digest's thread", func() bool { return len(h.slack.Files()) >= 1 })
	h.restart()
	if err := h.bot.runDigest(t.Context(), sub, due); err != nil {
		t.Fatal(err)
	}
	h.settle()
	files := h.slack.Files()
	if len(files) != 1 || sharedCompletes(h) != 1 {
		t.Fatalf("%d charts shared (%d completes) for one period, want 1", len(files), sharedCompletes(h))
	}
	if h.slack.RateLimited("files.completeUploadExternal") != 1 {
		t.Errorf("the 429 was not met")
	}
	posts := digestPosts(h)
	f := files[0]
	if len(posts) != 1 || f.Channel != "C0STAKE" || f.ThreadTS == "" {
		t.Fatalf("chart in %s thread %q; digest posts %d", f.Channel, f.ThreadTS, len(posts))
	}
	digestTS := ""
	for _, m := range h.slack.Messages("C0STAKE") {
		if strings.Contains(m.Text, "Backlog digest") {
			digestTS = m.TS
		}
	}
	if f.ThreadTS != digestTS {
		t.Errorf("chart in thread %s, the digest is %s", f.ThreadTS, digestTS)
	}
	img, err := png.Decode(bytes.NewReader(f.Bytes))
	if err != nil || img.Bounds().Dx() != chartWidth || img.Bounds().Dy() != chartHeight {
		t.Errorf("the shared file is not the %dx%d chart: %v", chartWidth, chartHeight, err)
	}
	if !strings.HasPrefix(f.Name, "backlog-trend-") || f.Title != "Backlog trend — daily-stakeholders" {
		t.Errorf("file %q titled %q", f.Name, f.Title)
	}
}

func TestDigestWithoutChartOrDataUploadsNothing(t *testing.T) {
	h, sub := digestHarness(t, time.Now())
	due := time.Now().Add(time.Minute)
	// An empty backlog: nothing to plot, the quiet digest goes alone.
	if err := h.bot.runDigest(t.Context(), sub, due); err != nil {
		t.Fatal(err)
	}
	h.slack.WaitFor("the quiet digest", func() bool { return len(digestPosts(h)) == 1 })
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	sub.NoChart = true // chart: false
	if err := h.bot.runDigest(t.Context(), sub, due.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h.slack.WaitFor("the second digest", func() bool { return len(digestPosts(h)) == 2 })
	h.settle()
	if n := len(h.slack.Calls("files.getUploadURLExternal")); n != 0 || len(h.slack.Files()) != 0 {
		t.Errorf("%d uploads started, %d files shared; want none", n, len(h.slack.Files()))
	}
}
