package main

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/storage/pgtest"
)

// TestTwoReplicasOnPostgresCaptureOnceAndSurviveAKill runs two built
// binaries on one PostgreSQL database against one test Slack that spreads
// envelopes over both connections and, as Slack does, delivers again an
// envelope not acked within 3 s. Both start on an empty database and
// migrate it once; 1,000 mentions at once become 1,000 items, each
// confirmed once;
// then one replica is killed with SIGKILL mid-stream: every envelope it
// acked has its item, what it left unacked is delivered to the other, and
// the confirmations it had claimed are sent by the other once its lease
// runs out.
func TestTwoReplicasOnPostgresCaptureOnceAndSurviveAKill(t *testing.T) {
	url := pgtest.Schema(t)
	if testing.Short() {
		t.Skip("runs two binaries through 1,300 captures; not in -short")
	}
	bin := buildLiaison(t)
	fake := slackfake.New(t)
	fake.Spread()
	fake.RedeliverAfter(3 * time.Second) // an envelope not acked in time comes again, as from Slack
	fake.SetLatency(150 * time.Millisecond)
	fake.SetPostBudget(1, 3) // per channel, 429 + Retry-After beyond
	dir := t.TempDir()
	// One digest period falls due 30 to 90 s in, while both run.
	due := time.Now().UTC().Add(90 * time.Second).Truncate(time.Minute)
	config := writeFile(t, fmt.Sprintf(`digests:
  - name: daily
    channel: C0DIGEST
    schedule: "%d %d * * *"
    catch_up: 1s
    chart: false
`, due.Minute(), due.Hour()))
	var logs syncBuffer
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("replicas' logs:\n%s", logs.String())
		}
	})
	// Replica b serves /healthz on a port of its choosing, which it logs.
	start := func(name, httpAddr, level string) *exec.Cmd {
		cmd := exec.Command(bin, "run", "--config", config)
		cmd.Stderr, cmd.Stdout = &logs, &logs
		cmd.Env = append(fakeEnv(fake, filepath.Join(dir, name+".db")),
			"LIAISON_DATABASE_URL="+url, "LIAISON_LOG_LEVEL="+level, "LIAISON_HTTP_ADDR="+httpAddr)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
		return cmd
	}
	a, _ := start("a", "", "warn"), start("b", "127.0.0.1:0", "info")
	fake.WaitFor("both replicas connected", func() bool { return fake.OpenConnections() == 2 })
	healthAddr := listenAddr(t, fake, &logs)
	healthy := func(when string) {
		t.Helper()
		code, h := getHealth(t, healthAddr)
		if code != http.StatusOK || h["db"] != "ok" || h["slack"] != "connected" {
			t.Errorf("%s: /healthz = %d %v, want 200 with the database ok and this replica's socket connected", when, code, h)
		}
	}
	healthy("both running")

	const channels = 100
	tsOf := map[string]string{} // envelope id → the mention's ts
	channelOf := map[string]string{}
	send := func(from, to int) {
		for i := from; i < to; i++ {
			ch := fmt.Sprintf("C0REPL%03d", i%channels)
			m, env := fake.SendMention(slackfake.Message{Channel: ch, User: "U0ALICE",
				Text: fmt.Sprintf("<@%s> feature: replicated request %d", slackfake.BotUserID, i)})
			tsOf[env.EnvelopeID], channelOf[m.TS] = m.TS, ch
		}
	}
	// confirmations counts the bot's replies in each mention's thread.
	confirmations := func() map[string]int {
		n := map[string]int{}
		for c := range channels {
			for _, m := range fake.Messages(fmt.Sprintf("C0REPL%03d", c)) {
				if m.BotID != "" && m.ThreadTS != "" {
					n[m.ThreadTS]++
				}
			}
		}
		return n
	}

	const first = 1000
	send(0, first) // at once
	acked := func() int {
		ids := map[string]bool{}
		for _, ack := range fake.Acks() {
			ids[ack.EnvelopeID] = true
		}
		return len(ids)
	}
	fake.WaitWithin(time.Minute, "1,000 envelopes acked", func() bool { return acked() >= first })
	fake.WaitWithin(2*time.Minute, "1,000 confirmations", func() bool { return len(confirmations()) >= first })

	ctx := context.Background()
	db, err := storage.OpenPostgres(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	items := func() map[string]int {
		n := map[string]int{}
		if err := db.EachItem(ctx, func(it storage.ExportItem) error {
			n[it.Item.Source.TS]++
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if v, err := db.SchemaVersion(ctx); err != nil || v != 1 {
		t.Errorf("schema version = %d, %v; want 1, migrated once", v, err)
	}
	stored := items()
	if len(stored) != first {
		t.Errorf("%d items stored for %d mentions", len(stored), first)
	}
	for ts, k := range stored {
		if k != 1 {
			t.Errorf("mention %s stored %d times", ts, k)
		}
	}
	for ts, k := range confirmations() {
		if k != 1 {
			t.Errorf("mention %s confirmed %d times", ts, k)
		}
	}

	// The digest: posted once, by one of the two.
	digests := func() int {
		n := 0
		for _, m := range fake.Messages("C0DIGEST") {
			if m.BotID != "" && m.ThreadTS == "" {
				n++
			}
		}
		return n
	}
	fake.WaitWithin(time.Until(due)+time.Minute, "the digest", func() bool { return digests() > 0 })
	fake.WaitWithin(time.Until(due)+15*time.Second, "both replicas well past the digest's time", func() bool { return time.Since(due) > 10*time.Second })
	if n := digests(); n != 1 {
		t.Errorf("the digest was posted %d times, want once", n)
	}

	// Kill one mid-stream.
	acksBefore := len(fake.Acks())
	const more = 300
	send(first, first+more)
	fake.WaitFor("some acks of the second stream", func() bool { return len(fake.Acks()) >= acksBefore+50 })
	if err := a.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = a.Wait()
	fake.WaitFor("one replica left", func() bool { return fake.OpenConnections() == 1 })
	healthy("after the other was killed")
	fake.WaitWithin(time.Minute, "every envelope acked by the survivor", func() bool { return acked() >= first+more })
	stored = items()
	for id, ts := range tsOf {
		if stored[ts] != 1 {
			t.Errorf("envelope %s (mention %s): %d items, want 1", id, ts, stored[ts])
		}
	}
	// The killed replica's claimed confirmations go out once its lease ends.
	fake.WaitWithin(storage.OutboxLease+time.Minute, "every mention confirmed", func() bool { return len(confirmations()) >= first+more })
	doubled := 0
	for _, k := range confirmations() {
		if k > 1 {
			doubled++
		}
	}
	// A confirmation the killed replica had posted but not yet recorded as
	// sent is posted again: at most one per send it had in flight (8), and
	// on a loaded machine a post that outlasts its 5 s bound is retried.
	if doubled > 16 {
		t.Errorf("%d confirmations posted twice; at most the killed replica's sends in flight may be", doubled)
	}
	limited := 0
	for _, c := range fake.Calls("chat.postMessage") {
		if c.Error == "ratelimited" {
			limited++
		}
	}
	redelivered := 0
	for _, e := range fake.Sent() {
		if e.RetryAttempt > 0 {
			redelivered++
		}
	}
	t.Logf("%d envelopes delivered again (not acked in 3 s, or left by the killed replica); %d confirmations posted twice; %d posts answered 429",
		redelivered, doubled, limited)
}
