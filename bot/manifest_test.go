package bot

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/slack-go/slack"
	"go.yaml.in/yaml/v3"

	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/manifest"
)

// webAPIScopes are the bot scopes each Slack Web API method needs (none
// for some). chat:write.public lets chat.postMessage reach public channels
// Liaison was not invited to (digests).
var webAPIScopes = map[string][]string{
	"auth.test":             nil,
	"chat.postMessage":      {"chat:write", "chat:write.public"},
	"chat.postEphemeral":    {"chat:write"},
	"chat.getPermalink":     nil,
	"conversations.history": {"channels:history", "groups:history", "im:history"},
	"conversations.replies": {"channels:history", "groups:history", "im:history"},
	"views.open":            nil,
	"views.publish":         nil,
	"usergroups.users.list": {"usergroups:read"},
	// The upload flow: the bytes' POST goes to the URL Slack gave, no method.
	"files.getUploadURLExternal":   {"files:write"},
	"files.completeUploadExternal": {"files:write"},
}

// requestEvents are the Events API subscriptions each kind of event
// request comes from.
var requestEvents = map[RequestKind][]string{
	KindMention:       {"app_mention"},
	KindMessage:       {"message.channels", "message.groups"}, // monitored public and private channels
	KindDirectMessage: {"message.im"},
	KindReaction:      {"reaction_added"},
	KindUnreaction:    {"reaction_removed"},
	KindHomeOpened:    {"app_home_opened"},
}

// eventScopes are the bot scopes each event subscription needs.
var eventScopes = map[string][]string{
	"app_mention":      {"app_mentions:read"},
	"message.channels": {"channels:history"},
	"message.groups":   {"groups:history"},
	"message.im":       {"im:history"},
	"reaction_added":   {"reactions:read"},
	"reaction_removed": {"reactions:read"},
	"app_home_opened":  nil,
}

// calledMethods calls every method of the Slack interfaces the bot holds
// (SlackAPI, and the narrower ones the delivery path and roles hold) on a
// real slack-go client pointed at the test Slack, and returns the Web API
// method each one reached, by Go method name. A method added to one of
// them shows up here without anyone listing it.
func calledMethods(t *testing.T) map[string][]string {
	t.Helper()
	fake := slackfake.New(t)
	client := slack.New(slackfake.BotToken, slack.OptionAPIURL(fake.APIURL()))
	out := map[string][]string{}
	for _, iface := range []reflect.Type{reflect.TypeFor[SlackAPI](), reflect.TypeFor[poster](), reflect.TypeFor[groupReader]()} {
		for m := range iface.Methods() {
			if _, ok := out[m.Name]; ok {
				continue
			}
			before := len(fake.Calls(""))
			fn := reflect.ValueOf(client).MethodByName(m.Name)
			var args []reflect.Value
			for i := range fn.Type().NumIn() {
				in := fn.Type().In(i)
				switch {
				case fn.Type().IsVariadic() && i == fn.Type().NumIn()-1:
				case in == reflect.TypeFor[context.Context]():
					args = append(args, reflect.ValueOf(context.Background()))
				case in == reflect.TypeFor[slack.UploadFileParameters]():
					// The upload flow refuses an empty file before any call.
					args = append(args, reflect.ValueOf(slack.UploadFileParameters{Filename: "x.png", FileSize: 1, Content: "x", Channel: "C1"}))
				default:
					args = append(args, sample(in))
				}
			}
			fn.Call(args)
			calls := fake.Calls("")
			var methods []string
			for _, c := range calls[before:] {
				if c.Method != "files.upload" { // the bytes' POST: a URL Slack gave, not a method
					methods = append(methods, c.Method)
				}
			}
			if len(methods) == 0 {
				t.Fatalf("%s.%s made no Web API call", iface.Name(), m.Name)
			}
			out[m.Name] = methods
		}
	}
	return out
}

// sample is a value of type t that slack-go sends on rather than refuse
// for a missing parameter: every string, and every string field of a
// struct (or of the struct a pointer points to), is "x".
func sample(t reflect.Type) reflect.Value {
	v := reflect.New(t).Elem()
	switch t.Kind() {
	case reflect.String:
		v.SetString("x")
	case reflect.Pointer:
		v.Set(reflect.New(t.Elem()))
		v.Elem().Set(sample(t.Elem()))
	case reflect.Struct:
		for i := range t.NumField() {
			if f := t.Field(i); f.IsExported() && f.Type.Kind() == reflect.String {
				v.Field(i).SetString("x")
			}
		}
	}
	return v
}

// botManifest is the part of the app manifest the scope check reads.
type botManifest struct {
	Features struct {
		AppHome struct {
			MessagesTab         bool `yaml:"messages_tab_enabled"`
			MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
		} `yaml:"app_home"`
	} `yaml:"features"`
	OAuth struct {
		Scopes struct {
			Bot []string `yaml:"bot"`
		} `yaml:"scopes"`
	} `yaml:"oauth_config"`
	Settings struct {
		Events struct {
			Bot []string `yaml:"bot_events"`
		} `yaml:"event_subscriptions"`
	} `yaml:"settings"`
}

func TestManifestScopesAreExactlyWhatTheBotUses(t *testing.T) {
	var m botManifest
	if err := yaml.Unmarshal(manifest.YAML, &m); err != nil {
		t.Fatalf("manifest: %v", err)
	}
	// What the bot's routes answer and the Slack methods it calls.
	b := New(Config{BotToken: slackfake.BotToken, AppToken: slackfake.AppToken}, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), nil, nil)
	need := map[string][]string{} // scope → what needs it
	needs := func(scope, why string) { need[scope] = append(need[scope], why) }
	events := map[string]bool{}
	for kind := range b.router.events {
		subs, ok := requestEvents[kind]
		if !ok {
			t.Errorf("the router answers %q requests; add the events they come from to requestEvents", kind)
		}
		for _, ev := range subs {
			events[ev] = true
			scopes, ok := eventScopes[ev]
			if !ok {
				t.Errorf("event %s: add the scopes it needs to eventScopes", ev)
			}
			for _, s := range scopes {
				needs(s, "event "+ev)
			}
		}
	}
	if len(b.router.commands) > 0 || len(b.router.shortcuts) > 0 {
		needs("commands", "slash commands and shortcuts")
	}
	for goMethod, methods := range calledMethods(t) {
		for _, method := range methods {
			scopes, ok := webAPIScopes[method]
			if !ok {
				t.Errorf("%s calls %s; add the scopes it needs to webAPIScopes (and the manifest)", goMethod, method)
			}
			for _, s := range scopes {
				needs(s, method)
			}
		}
	}

	for _, s := range slices.Sorted(maps.Keys(need)) {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("scope %s is missing from the manifest; needed by %s", s, strings.Join(need[s], ", "))
		}
	}
	for _, s := range m.OAuth.Scopes.Bot {
		if need[s] == nil {
			t.Errorf("scope %s is in the manifest but nothing the bot calls or subscribes to needs it", s)
		}
	}
	for _, ev := range slices.Sorted(maps.Keys(events)) {
		if !slices.Contains(m.Settings.Events.Bot, ev) {
			t.Errorf("event %s is not subscribed in the manifest; the router answers it", ev)
		}
	}
	for _, ev := range m.Settings.Events.Bot {
		if !events[ev] {
			t.Errorf("event %s is subscribed in the manifest but nothing answers it", ev)
		}
	}
	if events["message.im"] && (!m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesTabReadOnly) {
		t.Errorf("app_home: messages tab enabled %v, read-only %v; direct messages need it enabled and writable",
			m.Features.AppHome.MessagesTab, m.Features.AppHome.MessagesTabReadOnly)
	}
}

func TestManifestScopesAndEventsSayWhoNeedsThem(t *testing.T) {
	var doc yaml.Node
	if err := yaml.Unmarshal(manifest.YAML, &doc); err != nil {
		t.Fatal(err)
	}
	for _, path := range [][]string{{"oauth_config", "scopes", "bot"}, {"settings", "event_subscriptions", "bot_events"}} {
		n := lookup(doc.Content[0], path...)
		if n == nil || len(n.Content) == 0 {
			t.Fatalf("manifest has no %s", strings.Join(path, "."))
		}
		for _, item := range n.Content {
			if strings.TrimSpace(strings.TrimPrefix(item.LineComment, "#")) == "" {
				t.Errorf("%s: %s has no comment naming the call or event that needs it", strings.Join(path, "."), item.Value)
			}
		}
	}
}

// lookup walks a YAML mapping by keys.
func lookup(n *yaml.Node, keys ...string) *yaml.Node {
	for _, k := range keys {
		if n.Kind != yaml.MappingNode {
			return nil
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == k {
				next = n.Content[i+1]
			}
		}
		if next == nil {
			return nil
		}
		n = next
	}
	return n
}
