package bot

import (
	"strings"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"
)

// router maps requests to handlers. Lookups are by plain keys in maps that
// are filled once, in New, so a missing handler is visible in one place.
type router struct {
	commands  map[string]HandlerFunc      // by slash command: "/backlog"
	events    map[RequestKind]HandlerFunc // mention, message, direct message, reactions, home_opened
	actions   map[string]HandlerFunc      // by action_id
	shortcuts map[string]HandlerFunc      // by callback_id (global and message shortcuts)
	views     map[string]HandlerFunc      // by the view's callback_id
}

func newRouter() *router {
	return &router{
		commands:  map[string]HandlerFunc{},
		events:    map[RequestKind]HandlerFunc{},
		actions:   map[string]HandlerFunc{},
		shortcuts: map[string]HandlerFunc{},
		views:     map[string]HandlerFunc{},
	}
}

// handler finds the handler for req, or nil if nothing handles it.
func (r *router) handler(req *Request) HandlerFunc {
	switch req.Kind {
	case KindCommand:
		return r.commands[req.Command]
	case KindAction:
		return r.actions[req.Name]
	case KindShortcut, KindMessageAction:
		return r.shortcuts[req.Name]
	case KindViewSubmission:
		return r.views[req.Name]
	default:
		return r.events[req.Kind]
	}
}

// toRequest reduces a Socket Mode event to a Request. It returns nil for
// events that carry no request (hello, connection events) and for envelopes
// whose content Liaison does not act on, which are still acked.
func toRequest(evt socketmode.Event, botUserID string) *Request {
	if evt.Request == nil {
		return nil
	}
	req := &Request{EnvelopeID: evt.Request.EnvelopeID, Retry: evt.Request.RetryAttempt}
	switch data := evt.Data.(type) {
	case slack.SlashCommand:
		req.Kind = KindCommand
		req.Command = data.Command
		req.Text = strings.TrimSpace(data.Text)
		req.Team, req.User, req.Channel = data.TeamID, data.UserID, data.ChannelID
		req.TriggerID = data.TriggerID
	case slackevents.EventsAPIEvent:
		req.Team = data.TeamID
		if cb, ok := data.Data.(*slackevents.EventsAPICallbackEvent); ok {
			req.EventID = cb.EventID
		}
		req.Event = data.InnerEvent.Data
		if !fillEvent(req, data.InnerEvent.Data, botUserID) {
			return nil
		}
	case slack.InteractionCallback:
		req.Interaction = &data
		req.Team, req.User, req.Channel = data.Team.ID, data.User.ID, data.Channel.ID
		req.TriggerID = data.TriggerID
		switch data.Type {
		case slack.InteractionTypeBlockActions:
			req.Kind = KindAction
			if len(data.ActionCallback.BlockActions) > 0 {
				req.Name = data.ActionCallback.BlockActions[0].ActionID
			}
			req.TS, req.ThreadTS = data.Container.MessageTs, data.Container.ThreadTs
		case slack.InteractionTypeShortcut:
			req.Kind, req.Name = KindShortcut, data.CallbackID
		case slack.InteractionTypeMessageAction:
			req.Kind, req.Name = KindMessageAction, data.CallbackID
			req.TS, req.ThreadTS, req.Text = data.Message.Timestamp, data.Message.ThreadTimestamp, data.Message.Text
		case slack.InteractionTypeViewSubmission:
			req.Kind, req.Name = KindViewSubmission, data.View.CallbackID
		default:
			return nil
		}
	default:
		return nil
	}
	return req
}

// fillEvent sets the request fields of an inner Events API event and reports
// whether it is a kind the bot acts on.
func fillEvent(req *Request, inner any, botUserID string) bool {
	switch ev := inner.(type) {
	case *slackevents.AppMentionEvent:
		if ev.BotID != "" || ev.User == "" || ev.User == botUserID {
			return false // an app, a workflow or Liaison itself: two bots never loop
		}
		req.Kind = KindMention
		req.User, req.Channel, req.TS, req.ThreadTS = ev.User, ev.Channel, ev.TimeStamp, ev.ThreadTimeStamp
		req.Text = stripBotMention(ev.Text, botUserID)
	case *slackevents.MessageEvent:
		req.Kind = KindMessage
		req.User, req.Channel, req.TS, req.ThreadTS = ev.User, ev.Channel, ev.TimeStamp, ev.ThreadTimeStamp
		req.Text = ev.Text
		if ev.ChannelType == "im" {
			// Slack sends no app_mention in a DM, mentioned or not.
			req.Kind = KindDirectMessage
			req.Text = stripBotMention(ev.Text, botUserID)
		}
	case *slackevents.ReactionAddedEvent:
		if ev.User == botUserID {
			return false // Liaison's own reaction
		}
		req.Kind = KindReaction
		req.User, req.Channel, req.TS, req.Name = ev.User, ev.Item.Channel, ev.Item.Timestamp, ev.Reaction
	case *slackevents.ReactionRemovedEvent:
		if ev.User == botUserID {
			return false
		}
		req.Kind = KindUnreaction
		req.User, req.Channel, req.TS, req.Name = ev.User, ev.Item.Channel, ev.Item.Timestamp, ev.Reaction
	case *slackevents.AppHomeOpenedEvent:
		req.Kind = KindHomeOpened
		req.User, req.Channel = ev.User, ev.Channel
	default:
		return false
	}
	return true
}
