package bot

import (
	"testing"
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
