package bot

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// FuzzEnvelope sends arbitrary JSON as the payload of each kind of Socket
// Mode envelope through the real client: the bot never panics and acks
// every envelope. Seeds are in testdata/fuzz/FuzzEnvelope.
func FuzzEnvelope(f *testing.F) {
	for _, s := range []string{
		`{}`, `null`, `[]`, `"text"`, `42`,
		`{"type":"event_callback","event":{"type":"app_mention","user":"U1","text":"<@U0LIAISON> feature: x","ts":"1.1","channel":"C1"}}`,
		`{"type":"event_callback","event":{"type":"reaction_added","user":"U1","reaction":"bulb","item":{"type":"message","channel":"C1","ts":"9.9"}}}`,
		`{"type":"event_callback","event":{"type":"message","user":7,"text":["x"]}}`,
		`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"item_vote","value":"#-1"}]}`,
		`{"type":"block_actions","user":{"id":"U1"},"actions":[{"action_id":"capture_mention","value":"C1 1.1 sig"}]}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"item_decline","private_metadata":"x y"}}`,
		`{"type":"view_submission","user":{"id":"U1"},"view":{"callback_id":"capture_modal","private_metadata":"{\"p\":\"reaction\"}"}}`,
		`{"command":"/backlog","text":"merge 1 into 1","user_id":"U1","channel_id":"C1"}`,
		`{"command":"/feedback","text":"` + strings.Repeat("x", 12000) + `","user_id":"U1","channel_id":"C1"}`,
		`{"type":"shortcut","callback_id":"new_request","user":{"id":"U1"}}`,
	} {
		f.Add([]byte(s))
	}
	types := []string{"events_api", "slash_commands", "interactive"}
	f.Fuzz(func(t *testing.T, payload []byte) {
		if !json.Valid(payload) {
			t.Skip("not JSON: Slack sends only JSON payloads")
		}
		h := startBot(t)
		var envs []slackfake.Envelope
		for _, typ := range types {
			envs = append(envs, h.slack.Send(slackfake.Envelope{Type: typ, Payload: payload, AcceptsResponsePayload: typ != "events_api"}))
		}
		h.settle(envs...)
		if logs := h.logs.String(); strings.Contains(logs, "panic") {
			t.Fatalf("the bot panicked on %s", payload)
		}
	})
}
