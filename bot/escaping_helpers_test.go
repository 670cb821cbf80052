package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// mrkdwnTexts is what Slack renders as mrkdwn in a JSON payload (an ack's
// payload, a Call's "blocks" or "view"), decoded: the text of every text
// object whose type is "mrkdwn", and the top-level "text" of a message.
// plain_text objects are left out: they show their text literally and
// cannot ping or link, so they carry the raw text (SPEC §11). Checks on
// escaping run on these, never on the JSON, where "<" is "\u003c".
func mrkdwnTexts(t *testing.T, js string) []string {
	t.Helper()
	if strings.TrimSpace(js) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("payload %s: %v", js, err)
	}
	var out []string
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["text"].(string); ok && m["type"] == nil {
			out = append(out, s) // a message's fallback text, shown as mrkdwn
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if s, ok := v["text"].(string); ok && v["type"] == "mrkdwn" {
				out = append(out, s)
			}
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// callMrkdwn is every mrkdwn text of a Web API call: its "text" parameter
// and the mrkdwn texts of its "blocks" and "view".
func callMrkdwn(t *testing.T, c slackfake.Call) []string {
	t.Helper()
	var out []string
	if s := c.Param("text"); s != "" {
		out = append(out, s)
	}
	for _, p := range []string{"blocks", "view"} {
		out = append(out, mrkdwnTexts(t, c.Param(p))...)
	}
	return out
}

// checkMrkdwnEscaped fails t for every raw token in texts and for every
// want (the escaped form the test expects) that no text holds, so the check
// is never passed by texts that lack the user's words altogether.
func checkMrkdwnEscaped(t *testing.T, where string, texts []string, wants ...string) {
	t.Helper()
	for _, s := range texts {
		checkNoRawTokens(t, where, s)
	}
	for _, w := range wants {
		if !holds(texts, w) {
			t.Errorf("%s: no mrkdwn text holds %q; texts: %q", where, w, texts)
		}
	}
}

// holds reports whether one of texts contains want.
func holds(texts []string, want string) bool {
	for _, s := range texts {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// slashAck runs a /backlog command and returns its ack, payload and all.
func (h *harness) slashAck(user, text string) slackfake.Ack {
	h.t.Helper()
	env := h.slack.SendSlash("/backlog", text, user, "C0GENERAL")
	h.settle(env)
	return h.slack.AcksFor(env.EnvelopeID)[0]
}

// hostile is text that pings everyone and disguises a link if it reaches
// mrkdwn unescaped; hostileEscaped is how it must read there.
const (
	hostile        = "<!channel> <https://evil.example|bank>"
	hostileEscaped = "&lt;!channel&gt; &lt;https://evil.example|bank&gt;"
)

func TestMrkdwnTextsSkipsPlainTextAndDecodes(t *testing.T) {
	js := `{"text":"top \u003c!here\u003e","blocks":[` +
		`{"type":"header","text":{"type":"plain_text","text":"\u003c!channel\u003e raw"}},` +
		`{"type":"section","text":{"type":"mrkdwn","text":"\u003c!everyone\u003e"},` +
		`"fields":[{"type":"mrkdwn","text":"field"}],` +
		`"accessory":{"type":"button","text":{"type":"plain_text","text":"button"}}},` +
		`{"type":"context","elements":[{"type":"mrkdwn","text":"context"}]}]}`
	got := map[string]bool{}
	for _, s := range mrkdwnTexts(t, js) {
		got[s] = true
	}
	want := map[string]bool{"top <!here>": true, "<!everyone>": true, "field": true, "context": true}
	if len(got) != len(want) {
		t.Errorf("mrkdwn texts = %v, want %v", got, want)
	}
	for s := range want {
		if !got[s] {
			t.Errorf("mrkdwn texts lack %q: %v", s, got)
		}
	}
	if got["<!channel> raw"] || got["button"] {
		t.Errorf("plain_text taken for mrkdwn: %v", got)
	}
	if n := len(mrkdwnTexts(t, "")); n != 0 {
		t.Errorf("%d texts in an empty parameter", n)
	}
}
