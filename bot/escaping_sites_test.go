package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// Each rendering site that echoes someone's text into mrkdwn, checked on
// the decoded text of what reaches Slack.

func TestSimilarItemLinesInCaptureConfirmationAreEscaped(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode "+hostile, "U0BOB", "C0GENERAL"))
	env := h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0ALICE", "C0GENERAL")
	h.settle(env)
	a := h.slack.AcksFor(env.EnvelopeID)[0]
	if v := buttonValue(t, blocksOf(t, a), actionMerge); v != "2>1" {
		t.Fatalf("Same as button value = %q, want #1 offered as similar", v)
	}
	// The similar item's line is the only place #1's title appears.
	checkMrkdwnEscaped(t, "capture confirmation", mrkdwnTexts(t, string(a.Payload)), "*#1* Dark mode "+hostileEscaped+" — 1 vote")
}

func TestBacklogListLinesAreEscaped(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode "+hostile, "U0BOB", "C0GENERAL"))
	a := h.slashAck("U0ALICE", "list")
	checkMrkdwnEscaped(t, "/backlog list", mrkdwnTexts(t, string(a.Payload)), "*#1* Dark mode "+hostileEscaped+" — feature request")
}

func TestCardCommentIsEscaped(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	if got := h.slash("U0ALICE", "comment 1 customers ask "+hostile); !strings.Contains(got, "Comment added") {
		t.Fatalf("comment = %q", got)
	}
	a := h.slashAck("U0ALICE", "show 1")
	checkMrkdwnEscaped(t, "/backlog show", mrkdwnTexts(t, string(a.Payload)), "Last change: comment: customers ask "+hostileEscaped)
}

func TestPostedDigestTitlesAndDeclineReasonsAreEscaped(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode "+hostile, "U0BOB", "C0GENERAL"))
	h.settle(h.slack.SendSlash("/feedback", "feature: Fax export", "U0CAROL", "C0GENERAL"))
	h.slash(admin, "status 1 shipped")
	h.slash(admin, "status 2 declined nobody uses fax "+hostile)
	if got := h.slash(admin, "digest now <#C0STAKE|stakeholders>"); !strings.Contains(got, "Posting the digest") {
		t.Fatalf("digest now = %q", got)
	}
	h.slack.WaitFor("the digest post", func() bool { return len(digestPosts(h)) >= 1 })
	h.settle()
	var texts []string
	for _, c := range digestPosts(h) {
		texts = append(texts, callMrkdwn(t, c)...)
	}
	checkMrkdwnEscaped(t, "posted digest", texts,
		"*#1* Dark mode "+hostileEscaped+" — asked for by",  // shipped
		"*#2* Fax export — nobody uses fax "+hostileEscaped) // declined, with its reason
}

// blocksOf is the "blocks" of an ack payload, as JSON.
func blocksOf(t *testing.T, a slackfake.Ack) string {
	t.Helper()
	if a.Payload == nil {
		t.Fatalf("ack of %s carried no payload", a.EnvelopeID)
	}
	var p struct {
		Blocks json.RawMessage `json:"blocks"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		t.Fatalf("ack payload %s: %v", a.Payload, err)
	}
	return string(p.Blocks)
}
