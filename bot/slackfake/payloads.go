package slackfake

import (
	"encoding/json"
	"strings"
	"time"
)

// Builders for realistic payloads, shaped like the ones Slack sends over
// Socket Mode. The Send* methods wrap them in envelopes and send them; the
// ones about a message also put that message in the channel's history.

// EventCallback wraps an inner event in an Events API callback with a fresh event_id.
func EventCallback(inner map[string]any) map[string]any {
	return map[string]any{
		"token":      "verification-token",
		"team_id":    TeamID,
		"api_app_id": AppID,
		"event":      inner,
		"type":       "event_callback",
		"event_id":   newID("Ev"),
		"event_time": time.Now().Unix(),
		"authorizations": []map[string]any{{
			"team_id": TeamID, "user_id": BotUserID, "is_bot": true, "is_enterprise_install": false,
		}},
		"is_ext_shared_channel": false,
		"event_context":         "4-fake",
	}
}

// AppMention is the app_mention event for a message that mentions the bot.
func AppMention(m Message) map[string]any {
	ev := map[string]any{
		"type": "app_mention", "user": m.User, "text": m.Text, "ts": m.TS,
		"channel": m.Channel, "event_ts": m.TS, "team": TeamID,
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
	}
	return ev
}

// MessageEvent is the message event for a message posted in a channel, or
// in a DM with the bot when the channel is a D… id (message.im: Slack
// tells them apart by channel_type).
func MessageEvent(m Message) map[string]any {
	channelType := "channel"
	if strings.HasPrefix(m.Channel, "D") {
		channelType = "im"
	}
	ev := map[string]any{
		"type": "message", "user": m.User, "text": m.Text, "ts": m.TS,
		"channel": m.Channel, "event_ts": m.TS, "team": TeamID, "channel_type": channelType,
	}
	if m.ThreadTS != "" {
		ev["thread_ts"] = m.ThreadTS
	}
	if m.BotID != "" {
		ev["bot_id"] = m.BotID
	}
	if m.Subtype != "" {
		ev["subtype"] = m.Subtype
	}
	return ev
}

// ReactionAdded is the reaction_added event for user reacting to a message.
func ReactionAdded(user, reaction string, m Message) map[string]any {
	return map[string]any{
		"type": "reaction_added", "user": user, "reaction": reaction, "item_user": m.User,
		"item":     map[string]any{"type": "message", "channel": m.Channel, "ts": m.TS},
		"event_ts": time.Now().Format("20060102150405.000000"),
	}
}

// ReactionRemoved is the reaction_removed event for user taking a reaction
// back from a message.
func ReactionRemoved(user, reaction string, m Message) map[string]any {
	ev := ReactionAdded(user, reaction, m)
	ev["type"] = "reaction_removed"
	return ev
}

// DMChannel is the id of the DM between user and the bot, where
// chat.postMessage to the user id lands.
func DMChannel(user string) string { return postChannel(user) }

// AppHomeOpened is the app_home_opened event for the Home tab.
func AppHomeOpened(user string) map[string]any {
	return map[string]any{
		"type": "app_home_opened", "user": user, "channel": DMChannel(user), "tab": "home",
		"event_ts": time.Now().Format("20060102150405.000000"),
	}
}

// SlashCommand is a slash command's payload.
func SlashCommand(command, text, user, channel string) map[string]any {
	return map[string]any{
		"token": "verification-token", "team_id": TeamID, "team_domain": "fake",
		"channel_id": channel, "channel_name": "general", "user_id": user, "user_name": user,
		"command": command, "text": text, "api_app_id": AppID, "is_enterprise_install": "false",
		"response_url": "https://hooks.slack.com/commands/" + TeamID + "/1/fake",
		"trigger_id":   newID("trig."),
	}
}

func userObj(user string) map[string]any {
	return map[string]any{"id": user, "username": user, "name": user, "team_id": TeamID}
}

func teamObj() map[string]any { return map[string]any{"id": TeamID, "domain": "fake"} }

// BlockAction is a block_actions payload: user pressed a button (actionID,
// value) on message m.
func BlockAction(user string, m Message, actionID, value string) map[string]any {
	container := map[string]any{"type": "message", "message_ts": m.TS, "channel_id": m.Channel, "is_ephemeral": false}
	if m.ThreadTS != "" {
		container["thread_ts"] = m.ThreadTS
	}
	return map[string]any{
		"type": "block_actions", "user": userObj(user), "api_app_id": AppID, "token": "verification-token",
		"container": container, "trigger_id": newID("trig."), "team": teamObj(),
		"channel":      map[string]any{"id": m.Channel, "name": "general"},
		"message":      map[string]any{"type": "message", "user": m.User, "ts": m.TS, "thread_ts": m.ThreadTS, "text": m.Text},
		"response_url": "https://hooks.slack.com/actions/" + TeamID + "/1/fake",
		"actions": []map[string]any{{
			"action_id": actionID, "block_id": "b-" + actionID, "value": value, "type": "button",
			"text":      map[string]any{"type": "plain_text", "text": actionID},
			"action_ts": time.Now().Format("20060102150405.000000"),
		}},
	}
}

// Shortcut is a global shortcut's payload.
func Shortcut(callbackID, user string) map[string]any {
	return map[string]any{
		"type": "shortcut", "token": "verification-token", "action_ts": time.Now().Format("20060102150405.000000"),
		"team": teamObj(), "user": userObj(user), "callback_id": callbackID, "trigger_id": newID("trig."),
	}
}

// MessageAction is a message shortcut's payload for message m.
func MessageAction(callbackID, user string, m Message) map[string]any {
	msg := map[string]any{"type": "message", "user": m.User, "ts": m.TS, "text": m.Text}
	if m.ThreadTS != "" {
		msg["thread_ts"] = m.ThreadTS
	}
	return map[string]any{
		"type": "message_action", "token": "verification-token", "action_ts": time.Now().Format("20060102150405.000000"),
		"team": teamObj(), "user": userObj(user), "channel": map[string]any{"id": m.Channel, "name": "general"},
		"callback_id": callbackID, "trigger_id": newID("trig."), "message_ts": m.TS, "message": msg,
		"response_url": "https://hooks.slack.com/app/" + TeamID + "/1/fake",
	}
}

// Input is one modal input's submitted value: a plain_text_input's text,
// or a static_select's selected option value.
type Input struct {
	Select bool
	Value  string
}

// Text is a plain_text_input value; Option is a static_select choice.
func Text(v string) Input   { return Input{Value: v} }
func Option(v string) Input { return Input{Select: true, Value: v} }

// ViewSubmission is a modal's view_submission payload. values maps block_id
// → action_id → the input's value.
func ViewSubmission(callbackID, user, privateMetadata string, values map[string]map[string]Input) map[string]any {
	state := map[string]any{}
	for block, actions := range values {
		acts := map[string]any{}
		for action, in := range actions {
			if in.Select {
				acts[action] = map[string]any{"type": "static_select", "selected_option": map[string]any{
					"value": in.Value, "text": map[string]any{"type": "plain_text", "text": in.Value},
				}}
			} else {
				acts[action] = map[string]any{"type": "plain_text_input", "value": in.Value}
			}
		}
		state[block] = acts
	}
	return map[string]any{
		"type": "view_submission", "team": teamObj(), "user": userObj(user), "api_app_id": AppID,
		"token": "verification-token", "trigger_id": newID("trig."),
		"view": map[string]any{
			"id": newID("V"), "team_id": TeamID, "type": "modal", "callback_id": callbackID,
			"private_metadata": privateMetadata, "state": map[string]any{"values": state},
			"hash": "1.fake", "app_id": AppID, "bot_id": BotID,
		},
	}
}

// mustJSON marshals a payload the builders made.
func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // only builder output reaches here
	}
	return b
}

// SendEvent sends an Events API envelope with a fresh event callback around inner.
func (s *Server) SendEvent(inner map[string]any) Envelope {
	s.t.Helper()
	return s.Send(Envelope{Type: "events_api", Payload: mustJSON(EventCallback(inner))})
}

// SendInteractive sends an interactive envelope (block_actions, shortcut,
// message_action, view_submission).
func (s *Server) SendInteractive(payload map[string]any) Envelope {
	s.t.Helper()
	return s.Send(Envelope{Type: "interactive", Payload: mustJSON(payload), AcceptsResponsePayload: true})
}

// SendSlash sends a slash command envelope.
func (s *Server) SendSlash(command, text, user, channel string) Envelope {
	s.t.Helper()
	return s.Send(Envelope{Type: "slash_commands", Payload: mustJSON(SlashCommand(command, text, user, channel)), AcceptsResponsePayload: true})
}

// SendMention posts m (a person's message mentioning the bot) to its
// channel's history and sends the app_mention event. It returns the stored
// message and the envelope.
func (s *Server) SendMention(m Message) (Message, Envelope) {
	s.t.Helper()
	m = s.AddMessage(m)
	return m, s.SendEvent(AppMention(m))
}

// SendMessage posts m to its channel's history and sends the message event.
func (s *Server) SendMessage(m Message) (Message, Envelope) {
	s.t.Helper()
	m = s.AddMessage(m)
	return m, s.SendEvent(MessageEvent(m))
}
