package bot

import (
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
)

func TestSlackIDShapes(t *testing.T) {
	tests := []struct {
		id                   string
		user, channel, group bool
	}{
		{"U0ALICE", true, false, false},
		{"W012AB3CD", true, false, false},
		{"C0GENERAL", false, true, false},
		{"G0PRIVATE", false, true, false},
		{"D0DM", false, true, false},
		{"S0ADMINS", false, false, true},
		{"U", false, false, false},
		{"", false, false, false},
		{"u0alice", false, false, false},
		{"U0AL>ICE", false, false, false},
		{"C0X|name", false, false, false},
		{"U0A&lt;", false, false, false},
	}
	for _, tt := range tests {
		if got := IsUserID(tt.id); got != tt.user {
			t.Errorf("IsUserID(%q) = %v, want %v", tt.id, got, tt.user)
		}
		if got := IsChannelID(tt.id); got != tt.channel {
			t.Errorf("IsChannelID(%q) = %v, want %v", tt.id, got, tt.channel)
		}
		if got := IsUserGroupID(tt.id); got != tt.group {
			t.Errorf("IsUserGroupID(%q) = %v, want %v", tt.id, got, tt.group)
		}
	}
}

func TestMentionTokens(t *testing.T) {
	if u, ok := mentionedUser("<@U0BOB|bob>"); !ok || u != "U0BOB" {
		t.Errorf("mentionedUser(<@U0BOB|bob>) = %q, %v", u, ok)
	}
	for _, w := range []string{"bob", "@bob", "<@bob>", "<@U0BOB>x", "<!channel>", "<#C0X>"} {
		if u, ok := mentionedUser(w); ok {
			t.Errorf("mentionedUser(%q) = %q, want no person", w, u)
		}
	}
	if id, name, ok := mentionedChannel("<#C0BILL|billing>"); !ok || id != "C0BILL" || name != "billing" {
		t.Errorf("mentionedChannel = %q %q %v", id, name, ok)
	}
	if _, _, ok := mentionedChannel("<#nope|x>"); ok {
		t.Error("a channel link with no channel id was read as one")
	}
	if got := stripBotMention("  <@U0LIAISON|liaison>:, feature: x", "U0LIAISON"); got != "feature: x" {
		t.Errorf("stripBotMention = %q", got)
	}
	if got := stripBotMention("<@U0OTHER> feature: x", "U0LIAISON"); got != "<@U0OTHER> feature: x" {
		t.Errorf("stripBotMention of someone else = %q", got)
	}
}

// TestListArgsReadSlackTokens: what Slack makes of "by @bob" and "#billing"
// reaches the domain's filter as a person and a label.
func TestListArgsReadSlackTokens(t *testing.T) {
	tests := []struct {
		in   string
		want backlog.Filter
		err  bool
	}{
		{"by <@U0BOB|bob> shipped", backlog.Filter{By: "U0BOB", Status: backlog.StatusShipped}, false},
		{"<#C0BILL|billing>", backlog.Filter{Label: "billing", Open: true}, false},
		{"by bob", backlog.Filter{}, true},
		{"<!channel>", backlog.Filter{}, true},
	}
	for _, tt := range tests {
		got, err := backlog.ParseFilter(labelWords(strings.Fields(tt.in)), "U0ME", mentionedUser)
		if (err != nil) != tt.err || (!tt.err && got != tt.want) {
			t.Errorf("list %q = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.err)
		}
	}
}
