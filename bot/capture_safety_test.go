package bot

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

// injection is text that would ping everyone, a user group, or hide a link
// if echoed raw.
const injection = "feature: <!channel> <!here> <!everyone> <!subteam^S0ALL|@all> see <https://evil.example|https://bank.example> & more"

// rawTokens must never appear in anything the bot sends.
var rawTokens = []string{"<!channel>", "<!here>", "<!everyone>", "<!subteam", "<https://evil.example"}

func TestCapturedInjectionIsEscapedEverywhere(t *testing.T) {
	h := startBot(t)
	var envs []slackfake.Envelope
	envs = append(envs, h.slack.SendSlash("/feedback", injection, "U0ALICE", "C0GENERAL"))
	_, mention := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0ALICE", Text: bot + injection})
	envs = append(envs, mention)
	m := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: injection})
	envs = append(envs, h.slack.SendEvent(slackfake.ReactionAdded("U0ALICE", "bulb", m)))
	envs = append(envs, h.slack.SendEvent(slackfake.ReactionAdded("U0CAROL", "bulb", m))) // "already tracked"
	_, ch := h.slack.SendMessage(slackfake.Message{Channel: feedChannel, User: "U0BOB", Text: injection})
	envs = append(envs, ch)
	h.settle(envs...)
	// View opens a modal that shows the title and body.
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", m, actionView, "1")))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", m, actionVote, "2")))

	items := h.items()
	if len(items) < 4 {
		t.Fatalf("%d items captured, want 4", len(items))
	}
	// Stored raw: the escaping happens on the way out.
	if !strings.Contains(items[0].Item.Title, "<!channel>") {
		t.Errorf("stored title %q was altered; store raw, escape on output", items[0].Item.Title)
	}
	calls := h.slack.Calls("")
	if len(calls) < 6 {
		t.Fatalf("only %d Web API calls recorded", len(calls))
	}
	// Checked on decoded mrkdwn: in the JSON of blocks, views and ack
	// payloads "<" is "\u003c", and plain_text (the modal's header) shows
	// the title raw by design.
	const escaped = "&lt;!channel&gt;"
	var inText, inBlocks, inAck bool
	for _, c := range calls {
		text, blocks := []string{c.Param("text")}, mrkdwnTexts(t, c.Param("blocks"))
		checkMrkdwnEscaped(t, c.Method+" text", text)
		checkMrkdwnEscaped(t, c.Method+" blocks", blocks)
		checkMrkdwnEscaped(t, c.Method+" view", mrkdwnTexts(t, c.Param("view")))
		inText = inText || holds(text, escaped)
		inBlocks = inBlocks || holds(blocks, escaped)
	}
	for _, a := range h.slack.Acks() {
		if a.Payload != nil {
			texts := mrkdwnTexts(t, string(a.Payload))
			checkMrkdwnEscaped(t, "ack payload", texts)
			inAck = inAck || holds(texts, escaped)
		}
	}
	// And the escaped form is really there (the checks above are not vacuous).
	if !inText || !inBlocks || !inAck {
		t.Errorf("escaped title seen in call text %v, call blocks %v, ack payloads %v; want it in all three", inText, inBlocks, inAck)
	}
}

func TestPlainTextCarriesRawTitle(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Fix <b>bold</b> & <!here>", "U0ALICE", "C0GENERAL"))
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0ALICE", slackfake.Message{Channel: "C0GENERAL", TS: "1.1"}, actionView, "1")))
	var view struct {
		Blocks []struct {
			Type string `json:"type"`
			Text struct {
				Type string `json:"type"`
				Text string `json:"text"`
			} `json:"text"`
		} `json:"blocks"`
	}
	if err := json.Unmarshal([]byte(h.slack.WaitCall("views.open", nil).Param("view")), &view); err != nil {
		t.Fatal(err)
	}
	if h := view.Blocks[0]; h.Type != "header" || h.Text.Type != "plain_text" || h.Text.Text != "Fix <b>bold</b> & <!here>" {
		t.Errorf("header = %+v; plain_text shows the title literally and cannot ping", h)
	}
}

func TestInvalidUTF8AndHugeTextAreStoredSafely(t *testing.T) {
	h := startBot(t)
	huge := "feature: " + strings.Repeat("long text ", 1500) // 15,000 characters
	h.settle(h.slack.SendSlash("/feedback", "bug: broken \xff\xfe bytes", "U0ALICE", "C0GENERAL"),
		h.slack.SendSlash("/feedback", huge, "U0ALICE", "C0GENERAL"))
	byKind := map[backlog.Kind]backlog.Item{}
	for _, e := range h.items() {
		byKind[e.Item.Kind] = e.Item
	}
	if len(byKind) != 2 {
		t.Fatalf("items = %v", byKind)
	}
	if got := byKind[backlog.KindBug].Title; !utf8.ValidString(got) || !strings.HasPrefix(got, "broken \uFFFD") || !strings.HasSuffix(got, " bytes") {
		t.Errorf("title = %q, want invalid bytes replaced", got)
	}
	long := byKind[backlog.KindFeature]
	body := long.Body
	kept, found := strings.CutSuffix(body, "\n\n(cut at 10,000 characters)")
	if n := utf8.RuneCountInString(kept); !found || n > 10000 || n < 9990 {
		t.Errorf("huge body: %d characters before the note (note found: %v)", n, found)
	}
	if n := len([]rune(long.Title)); n > 120 || !strings.HasSuffix(long.Title, "…") {
		t.Errorf("huge title: %d characters %q", n, long.Title)
	}
}

func TestSlackEntitiesAreDecodedOnCaptureAndEncodedOnce(t *testing.T) {
	h := startBot(t)
	// Slack sends a typed "<" as &lt; and "&" as &amp;.
	h.settle(h.slack.SendSlash("/feedback", "feature: Show a &lt; b &amp; c", "U0ALICE", "C0GENERAL"))
	if got := h.item(1).Title; got != "Show a < b & c" {
		t.Errorf("stored title = %q, want the text as typed", got)
	}
	_, text := ackText(t, h.slack.Acks()[0])
	if !strings.Contains(text, "Show a &lt; b &amp; c") || strings.Contains(text, "&amp;lt;") {
		t.Errorf("confirmation = %q, want the title encoded exactly once", text)
	}
}
