//go:build slow

package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/storage"
)

// TestDigestEveryMinuteWithTheRealScheduler waits for real minute
// boundaries (up to two and a half minutes): go test -tags slow -run EveryMinute ./bot/
func TestDigestEveryMinuteWithTheRealScheduler(t *testing.T) {
	h := newHarness(t)
	h.bot.cfg.Digests = []storage.Subscription{{Name: "every-minute", Channel: "C0STAKE", Schedule: "* * * * *",
		Timezone: "America/New_York", CatchUp: time.Hour, TriageDays: 7, Origin: "config"}}
	h.start()
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	deadline := time.Now().Add(150 * time.Second)
	for len(digestPosts(h)) < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d digest posts after 150 s, want one a minute", len(digestPosts(h)))
		}
		time.Sleep(200 * time.Millisecond) // polling real minutes
	}
	posts := digestPosts(h)
	if !strings.Contains(posts[0].Param("blocks"), "Dark mode for reports") && !strings.Contains(posts[1].Param("blocks"), "Dark mode for reports") {
		t.Error("no digest lists the new item")
	}
	if posts[1].At.Sub(posts[0].At) < 50*time.Second {
		t.Errorf("two posts %v apart, want one a minute", posts[1].At.Sub(posts[0].At))
	}
	h.restart() // inside the minute: the period is recorded, nothing posts twice
	h.settle()
	if n := len(digestPosts(h)); n != 2 {
		t.Errorf("%d posts after a restart within the minute, want 2", n)
	}
}
