package bot

import (
	"encoding/json"
	"testing"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestStripBotMention(t *testing.T) {
	tests := []struct{ in, want string }{
		{"<@U0BOT> help", "help"},
		{"<@U0BOT|liaison>: feature: dark mode", "feature: dark mode"},
		{"  <@U0BOT>   ", ""},
		{"<@U0OTHER> help", "<@U0OTHER> help"},
		{"help <@U0BOT>", "help <@U0BOT>"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := stripBotMention(tt.in, "U0BOT"); got != tt.want {
			t.Errorf("stripBotMention(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// socketEvent turns a builder's payload into what slack-go's socket client emits.
func socketEvent(t *testing.T, typ socketmode.EventType, payload map[string]any) socketmode.Event {
	t.Helper()
	raw, _ := json.Marshal(payload)
	req := &socketmode.Request{EnvelopeID: "env-1", Payload: raw, RetryAttempt: 2}
	var data any
	switch typ {
	case socketmode.EventTypeEventsAPI:
		ev, err := slackevents.ParseEvent(raw, slackevents.OptionNoVerifyToken())
		if err != nil {
			t.Fatal(err)
		}
		data = ev
	case socketmode.EventTypeSlashCommand:
		var cmd slack.SlashCommand
		if err := json.Unmarshal(raw, &cmd); err != nil {
			t.Fatal(err)
		}
		data = cmd
	case socketmode.EventTypeInteractive:
		var ic slack.InteractionCallback
		if err := json.Unmarshal(raw, &ic); err != nil {
			t.Fatal(err)
		}
		data = ic
	}
	return socketmode.Event{Type: typ, Data: data, Request: req}
}

func TestToRequest(t *testing.T) {
	m := slackfake.Message{Channel: "C1", User: "U1", TS: "2.000001", ThreadTS: "2.000000", Text: "<@U0BOT> help"}
	dm := slackfake.Message{Channel: "DU1", User: "U1", TS: "3.000001", Text: "<@U0BOT> top"}
	tests := []struct {
		name    string
		typ     socketmode.EventType
		payload map[string]any
		want    Request
	}{
		{"slash", socketmode.EventTypeSlashCommand, slackfake.SlashCommand("/backlog", " top 5 ", "U1", "C1"),
			Request{Kind: KindCommand, Command: "/backlog", Text: "top 5", User: "U1", Channel: "C1"}},
		{"mention", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.AppMention(m)),
			Request{Kind: KindMention, Text: "help", User: "U1", Channel: "C1", TS: "2.000001", ThreadTS: "2.000000"}},
		{"message", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.MessageEvent(m)),
			Request{Kind: KindMessage, Text: "<@U0BOT> help", User: "U1", Channel: "C1", TS: "2.000001", ThreadTS: "2.000000"}},
		{"direct message", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.MessageEvent(dm)),
			Request{Kind: KindDirectMessage, Text: "top", User: "U1", Channel: "DU1", TS: "3.000001"}},
		{"reaction", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.ReactionAdded("U2", "bulb", m)),
			Request{Kind: KindReaction, Name: "bulb", User: "U2", Channel: "C1", TS: "2.000001"}},
		{"reaction removed", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.ReactionRemoved("U2", "+1::skin-tone-2", m)),
			Request{Kind: KindUnreaction, Name: "+1::skin-tone-2", User: "U2", Channel: "C1", TS: "2.000001"}},
		{"home", socketmode.EventTypeEventsAPI, slackfake.EventCallback(slackfake.AppHomeOpened("U2")),
			Request{Kind: KindHomeOpened, User: "U2", Channel: "DU2"}},
		{"block action", socketmode.EventTypeInteractive, slackfake.BlockAction("U2", m, "vote", "42"),
			Request{Kind: KindAction, Name: "vote", User: "U2", Channel: "C1", TS: "2.000001", ThreadTS: "2.000000"}},
		{"shortcut", socketmode.EventTypeInteractive, slackfake.Shortcut("new_request", "U2"),
			Request{Kind: KindShortcut, Name: "new_request", User: "U2"}},
		{"message action", socketmode.EventTypeInteractive, slackfake.MessageAction("capture_message", "U2", m),
			Request{Kind: KindMessageAction, Name: "capture_message", User: "U2", Channel: "C1", TS: "2.000001", ThreadTS: "2.000000", Text: "<@U0BOT> help"}},
		{"view submission", socketmode.EventTypeInteractive, slackfake.ViewSubmission("capture", "U2", "", nil),
			Request{Kind: KindViewSubmission, Name: "capture", User: "U2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := toRequest(socketEvent(t, tt.typ, tt.payload), "U0BOT")
			if got == nil {
				t.Fatal("toRequest = nil")
			}
			if got.EnvelopeID != "env-1" || got.Retry != 2 || got.Team != slackfake.TeamID {
				t.Errorf("envelope fields = %q, %d, %q", got.EnvelopeID, got.Retry, got.Team)
			}
			if tt.typ == socketmode.EventTypeEventsAPI && got.EventID == "" {
				t.Error("EventID is empty for an Events API delivery")
			}
			g := Request{Kind: got.Kind, Command: got.Command, Text: got.Text, User: got.User, Channel: got.Channel,
				TS: got.TS, ThreadTS: got.ThreadTS, Name: got.Name}
			if g != tt.want {
				t.Errorf("toRequest =\n %+v\nwant\n %+v", g, tt.want)
			}
		})
	}
}

func TestToRequestIgnoresEventsWithoutRequest(t *testing.T) {
	if r := toRequest(socketmode.Event{Type: socketmode.EventTypeHello}, "U0BOT"); r != nil {
		t.Errorf("hello produced a request: %+v", r)
	}
}

func TestToRequestIgnoresLiaisonsOwnReactions(t *testing.T) {
	m := slackfake.Message{Channel: "C1", User: "U1", TS: "2.000001", Text: "feature: dark mode"}
	for _, payload := range []map[string]any{slackfake.ReactionAdded("U0BOT", "+1", m), slackfake.ReactionRemoved("U0BOT", "+1", m)} {
		if r := toRequest(socketEvent(t, socketmode.EventTypeEventsAPI, slackfake.EventCallback(payload)), "U0BOT"); r != nil {
			t.Errorf("Liaison's own %s produced a request: %+v", payload["type"], r)
		}
	}
}
