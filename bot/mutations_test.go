package bot

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage"
)

func TestVoteOnMergedItemLandsOnTheItemItWasMergedInto(t *testing.T) {
	h := backlogFixture(t) // #1 Dark mode (Bob), #3 CSV export (Bob)
	if got := h.slash(admin, "merge 3 into 1"); !strings.Contains(got, "Merged *#3* into *#1*") {
		t.Fatalf("merge = %q", got)
	}
	if got := h.slash("U0ALICE", "vote 3"); !strings.Contains(got, "Added your +1 to *#1*") || !strings.Contains(got, "(#3 was merged into it)") {
		t.Errorf("/backlog vote 3 on a merged item = %q, want the vote on #1", got)
	}
	// The +1 button on a message about #3.
	where := slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0DAVE", where, actionVote, "3")))
	reply := h.slack.WaitCall("chat.postEphemeral", func(c slackfake.Call) bool { return c.Param("user") == "U0DAVE" })
	if !strings.Contains(reply.Param("text"), "Added your +1 to *#1*") {
		t.Errorf("+1 button on a merged item = %q, want the vote on #1", reply.Param("text"))
	}
	into, dup := h.item(1), h.item(3)
	v1, _ := h.people(1)
	v3, _ := h.people(3)
	for _, u := range []string{"U0ALICE", "U0DAVE"} {
		if !slices.Contains(v1, u) {
			t.Errorf("%s's vote is not on #1 (voters %v)", u, v1)
		}
		if slices.Contains(v3, u) {
			t.Errorf("%s's vote went to the duplicate #3 (voters %v)", u, v3)
		}
	}
	if into.Votes != 3 || dup.Votes != 0 { // Bob's, Alice's, Dave's
		t.Errorf("votes: #1 %d, #3 %d; want 3 and 0", into.Votes, dup.Votes)
	}
}

// longDigest is a composed digest too long for one message: it takes at
// least three posts.
func longDigest(t *testing.T) []DigestPost {
	t.Helper()
	d := backlog.DigestData{Start: time.Now().Add(-24 * time.Hour), End: time.Now()}
	title := strings.Repeat("A request with a long title ", 4)
	for i := range 2500 {
		d.ShippedItems = append(d.ShippedItems, entry(int64(i+1), title, 3))
	}
	d.Shipped = len(d.ShippedItems)
	posts := ComposeDigest("long", d, time.UTC, "")
	if len(posts) < 3 {
		t.Fatalf("the long digest is %d posts, want at least 3", len(posts))
	}
	return posts
}

// enqueueDigest writes a digest's messages to the outbox as runDigest does
// and wakes the delivery; it returns their keys, the first post's first.
func enqueueDigest(t *testing.T, h *harness, posts []DigestPost) []string {
	t.Helper()
	msgs := digestMessages("digest:test", "C0STAKE", posts)
	if err := h.db.Enqueue(t.Context(), msgs...); err != nil {
		t.Fatal(err)
	}
	h.bot.delivery.Kick()
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.Key
	}
	return keys
}

func TestLongDigestContinuesInTheThreadOfItsFirstPost(t *testing.T) {
	h := startBot(t)
	posts := longDigest(t)
	keys := enqueueDigest(t, h, posts)
	h.slack.WaitFor("every post of the digest", func() bool { return len(digestPosts(h)) == len(posts) })
	h.settle()
	state, firstTS, _, ok := outboxState(t, h, keys[0])
	if !ok || state != "sent" || firstTS == "" {
		t.Fatalf("first post: state %q ts %q (in the outbox: %v)", state, firstTS, ok)
	}
	sent := digestPosts(h)
	if len(sent) != len(posts) {
		t.Fatalf("%d posts, want %d", len(sent), len(posts))
	}
	for i, c := range sent {
		if i == 0 {
			if c.Param("thread_ts") != "" || strings.Contains(c.Param("text"), "(continued)") {
				t.Errorf("first post = thread_ts %q text %q; want the digest's head, in the channel", c.Param("thread_ts"), c.Param("text"))
			}
			continue
		}
		if c.Param("thread_ts") != firstTS {
			t.Errorf("continuation %d posted with thread_ts %q, want the first post's ts %q", i, c.Param("thread_ts"), firstTS)
		}
	}
}

func TestDeadDigestPostTakesItsThreadRepliesWithIt(t *testing.T) {
	h := startBot(t)
	h.slack.Fail("chat.postMessage", "channel_not_found", 1) // the first post, permanently
	posts := longDigest(t)
	keys := enqueueDigest(t, h, posts)
	h.slack.WaitFor("the first post to be dead", func() bool {
		state, _, _, ok := outboxState(t, h, keys[0])
		return ok && state == "dead"
	})
	h.settle()
	for _, k := range keys[1:] {
		if state, _, _, ok := outboxState(t, h, k); !ok || state != "dead" {
			t.Errorf("thread reply %s is %q (in the outbox: %v) after its post died, want dead", k, state, ok)
		}
	}
	if n := len(h.slack.Calls("chat.postMessage")); n != 1 {
		t.Errorf("%d chat.postMessage calls, want only the failed first post", n)
	}
	if n := len(digestPosts(h)); n != 0 {
		t.Errorf("%d digest posts went out without their head", n)
	}
	want := fmt.Sprintf("0 waiting, 0 sent, %d failed for good", len(posts))
	if got := h.slash("U0ALICE", "stats"); !strings.Contains(got, want) {
		t.Errorf("stats = %q, want %q", got, want)
	}
}

func TestRateLimitDoesNotUseUpAnOutboxAttempt(t *testing.T) {
	h := startBot(t)
	h.slack.RateLimit("chat.postMessage", 1, time.Second)
	const key = "test:rate-limited"
	if err := h.db.Enqueue(t.Context(), storage.OutboxMessage{Key: key, Channel: "C0STAKE", Text: "hello", Lane: storage.LaneNotify}); err != nil {
		t.Fatal(err)
	}
	h.bot.delivery.Kick()
	h.slack.WaitFor("the message to be sent", func() bool {
		state, _, _, ok := outboxState(t, h, key)
		return ok && state == "sent"
	})
	var limited int
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Status == 429 {
			limited++
		}
	}
	if limited != 1 {
		t.Fatalf("%d 429s served, want 1", limited)
	}
	_, _, attempts, ok := outboxState(t, h, key)
	if !ok {
		t.Fatalf("%s is not in the outbox", key)
	}
	if attempts != 1 {
		t.Errorf("attempts = %d after a 429 and a delivery, want 1: a 429 is not an attempt", attempts)
	}
}

func TestSkipEmptyDigestPostsNothingForAQuietPeriod(t *testing.T) {
	h := newHarness(t)
	h.bot.cfg.Digests = []storage.Subscription{{Name: "skip-quiet", Channel: "C0STAKE", Schedule: "0 9 1 1 *",
		Timezone: "UTC", SkipEmpty: true, CatchUp: 6 * time.Hour, TriageDays: 7, Origin: "config"}}
	h.start()
	// Run reconciles the configured digests after the socket connects.
	h.slack.WaitFor("the digest to be scheduled", func() bool { _, ok := h.sched.nextRun("skip-quiet"); return ok })
	subs, err := h.db.Subscriptions(t.Context())
	if err != nil || len(subs) != 1 || !subs[0].SkipEmpty {
		t.Fatalf("subscriptions = %+v, %v", subs, err)
	}
	sub := subs[0]
	quiet := time.Now()
	if err := h.bot.runDigest(t.Context(), sub, quiet); err != nil {
		t.Fatal(err)
	}
	h.settle()
	if n := len(digestPosts(h)); n != 0 {
		t.Errorf("a skip_empty digest posted %d messages for a quiet period", n)
	}
	if r, ok, _ := h.db.RunAt(t.Context(), sub.ID, quiet); !ok || r.State != storage.RunEmpty {
		t.Errorf("quiet period run = %+v (recorded %v), want %s", r, ok, storage.RunEmpty)
	}
	// A period with something in it does post: the subscription works.
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	if err := h.bot.runDigest(t.Context(), sub, time.Now().Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	h.slack.WaitFor("the next period's digest", func() bool { return len(digestPosts(h)) == 1 })
}

// captureMany captures n items, "Request 1" to "Request n", and waits for them.
func captureMany(h *harness, n int) {
	h.t.Helper()
	var envs []slackfake.Envelope
	for i := range n {
		envs = append(envs, h.slack.SendSlash("/feedback", fmt.Sprintf("feature: Request %d", i+1), "U0BOB", "C0GENERAL"))
	}
	h.settle(envs...)
	if got := len(h.items()); got != n {
		h.t.Fatalf("%d items captured, want %d", got, n)
	}
}

// listed counts the item lines of a list reply.
func listed(text string) int { return strings.Count(text, "\n*#") }

func TestListSaysThereAreMoreThanItShows(t *testing.T) {
	h := startBot(t)
	captureMany(h, listSize)
	if got := h.slash("U0ALICE", "list"); listed(got) != listSize || strings.Contains(got, "and more") {
		t.Errorf("list of exactly %d items: %d lines, says more: %v\n%s", listSize, listed(got), strings.Contains(got, "and more"), got)
	}
	h.settle(h.slack.SendSlash("/feedback", "feature: One more request", "U0BOB", "C0GENERAL"))
	got := h.slash("U0ALICE", "list")
	if listed(got) != listSize {
		t.Errorf("list of %d items shows %d lines, want %d", listSize+1, listed(got), listSize)
	}
	if !strings.Contains(got, "_and more: narrow it down") {
		t.Errorf("list of %d items does not say there are more:\n%s", listSize+1, got)
	}
}

func TestTopIsCapped(t *testing.T) {
	h := startBot(t)
	captureMany(h, maxTop+3)
	got := h.slash("U0ALICE", "top 500")
	if !strings.Contains(got, fmt.Sprintf("*Top %d open items*", maxTop)) {
		t.Errorf("top 500 title: %q, want it capped at %d", strings.SplitN(got, "\n", 2)[0], maxTop)
	}
	if n := listed(got); n != maxTop {
		t.Errorf("top 500 shows %d items, want the cap, %d", n, maxTop)
	}
}

// outboxState reads the state, sent ts and attempts of the outbox message
// with key, through a connection of its own; ok is false when there is none.
func outboxState(t *testing.T, h *harness, key string) (state, sentTS string, attempts int, ok bool) {
	t.Helper()
	conn := h.ownConnection(t, "&_pragma=query_only(1)")
	err := conn.QueryRowContext(context.Background(), `SELECT state, sent_ts, attempts FROM outbox WHERE key = $1`, key).
		Scan(&state, &sentTS, &attempts)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", 0, false
	}
	if err != nil {
		t.Fatal(err)
	}
	return state, sentTS, attempts, true
}

// backdateStatus moves item id's status changes to when, through a
// connection of its own, as if the change had happened then.
func backdateStatus(t *testing.T, h *harness, id int64, when time.Time) {
	t.Helper()
	conn := h.ownConnection(t, "")
	res, err := conn.ExecContext(t.Context(), `UPDATE item_changes SET created_at = $1 WHERE item_id = $2 AND type = 'status'`,
		when.UTC().Format("2006-01-02T15:04:05.000000Z"), id)
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		t.Fatalf("#%d has no status changes to backdate", id)
	}
}

func TestWhatShippedThisWeekCoversSevenDays(t *testing.T) {
	h := backlogFixture(t)
	for _, id := range []string{"1", "2", "3"} {
		h.slash(admin, "status "+id+" shipped")
	}
	backdateStatus(t, h, 1, time.Now().AddDate(0, 0, -8))
	backdateStatus(t, h, 2, time.Now().AddDate(0, 0, -6))
	m, _ := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + "what shipped this week?"})
	reply := h.slack.WaitCall("chat.postMessage", func(c slackfake.Call) bool { return c.Param("thread_ts") == m.TS })
	got := reply.Param("text")
	if !strings.Contains(got, "*Shipped in the last 7 days*") {
		t.Fatalf("reply = %q", got)
	}
	for _, want := range []string{"*#3*", "*#2*"} { // today, 6 days ago
		if !strings.Contains(got, want) {
			t.Errorf("reply lacks %s, shipped within the week:\n%s", want, got)
		}
	}
	if strings.Contains(got, "*#1*") { // 8 days ago
		t.Errorf("reply lists #1, shipped 8 days ago:\n%s", got)
	}
}
