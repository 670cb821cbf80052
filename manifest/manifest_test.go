package manifest

import (
	"slices"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestManifestDeclaresEverythingTheSpecNeeds(t *testing.T) {
	var m struct {
		Features struct {
			AppHome struct {
				HomeTabEnabled      bool `yaml:"home_tab_enabled"`
				MessagesTab         bool `yaml:"messages_tab_enabled"`
				MessagesTabReadOnly bool `yaml:"messages_tab_read_only_enabled"`
			} `yaml:"app_home"`
			SlashCommands []struct {
				Command string `yaml:"command"`
			} `yaml:"slash_commands"`
			Shortcuts []struct {
				Type       string `yaml:"type"`
				CallbackID string `yaml:"callback_id"`
			} `yaml:"shortcuts"`
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
			Interactivity struct {
				Enabled bool `yaml:"is_enabled"`
			} `yaml:"interactivity"`
			SocketMode bool `yaml:"socket_mode_enabled"`
		} `yaml:"settings"`
	}
	if err := yaml.Unmarshal(YAML, &m); err != nil {
		t.Fatalf("manifest is not YAML: %v", err)
	}
	if !m.Settings.SocketMode {
		t.Error("socket_mode_enabled is not true")
	}
	if !m.Settings.Interactivity.Enabled {
		t.Error("interactivity is off")
	}
	if !m.Features.AppHome.HomeTabEnabled {
		t.Error("App Home tab is off")
	}
	if !m.Features.AppHome.MessagesTab || m.Features.AppHome.MessagesTabReadOnly {
		t.Error("the Messages tab is off or read-only: people could not DM Liaison")
	}
	for _, ev := range []string{"app_mention", "message.channels", "message.groups", "message.im", "reaction_added", "reaction_removed", "app_home_opened"} {
		if !slices.Contains(m.Settings.Events.Bot, ev) {
			t.Errorf("event %s not subscribed", ev)
		}
	}
	var commands []string
	for _, c := range m.Features.SlashCommands {
		commands = append(commands, c.Command)
	}
	for _, c := range []string{"/feedback", "/backlog"} {
		if !slices.Contains(commands, c) {
			t.Errorf("command %s missing (have %v)", c, commands)
		}
	}
	shortcuts := map[string]string{}
	for _, s := range m.Features.Shortcuts {
		shortcuts[s.CallbackID] = s.Type
	}
	if shortcuts["capture_message"] != "message" || shortcuts["new_request"] != "global" {
		t.Errorf("shortcuts = %v, want capture_message (message) and new_request (global)", shortcuts)
	}
	// bot/manifest_test.go checks these are exactly the scopes the code needs.
	for _, s := range []string{"app_mentions:read", "channels:history", "groups:history", "im:history", "chat:write", "commands",
		"reactions:read", "usergroups:read"} {
		if !slices.Contains(m.OAuth.Scopes.Bot, s) {
			t.Errorf("bot scope %s missing", s)
		}
	}
}
