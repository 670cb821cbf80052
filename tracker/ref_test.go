package tracker

import (
	"testing"

	"github.com/liaisonbot/liaison/backlog"
)

func TestParse(t *testing.T) {
	hosts := Hosts{GitHub: GitHubHosts(""), Jira: JiraHost("https://acme.atlassian.net")}
	tests := []struct {
		url  string
		want Ref
		ok   bool
	}{
		{"https://github.com/acme/app/issues/12", Ref{GitHub, "acme/app", 12, false, "https://github.com/acme/app/issues/12"}, true},
		{"https://www.github.com/acme/app/pull/7/files", Ref{GitHub, "acme/app", 7, true, "https://www.github.com/acme/app/pull/7"}, true},
		{"https://github.com/acme/app/issues/12#issuecomment-1", Ref{GitHub, "acme/app", 12, false, "https://github.com/acme/app/issues/12"}, true},
		{"https://github.com/acme/app.js/issues/3", Ref{GitHub, "acme/app.js", 3, false, "https://github.com/acme/app.js/issues/3"}, true},
		{"https://ghe.acme.com/acme/app/issues/3", Ref{}, false},
		{"https://acme.atlassian.net/browse/PROD-42", Ref{Jira, "PROD", 42, false, "https://acme.atlassian.net/browse/PROD-42"}, true},
		{"https://acme.atlassian.net/jira/browse/AB_2-7/", Ref{Jira, "AB_2", 7, false, "https://acme.atlassian.net/jira/browse/AB_2-7"}, true},
		{"https://github.com/acme/app/issues/0", Ref{}, false},
		{"https://github.com/acme/app/issues", Ref{}, false},
		{"https://github.com/acme/app/discussions/4", Ref{}, false},
		{"https://gitlab.com/acme/app/issues/4", Ref{}, false},
		{"https://evil.example/acme/app/issues/4", Ref{}, false},
		{"https://user:pw@github.com/acme/app/issues/4", Ref{}, false},
		{"ftp://github.com/acme/app/issues/4", Ref{}, false},
		{"https://other.atlassian.net/browse/PROD-42", Ref{}, false},
		{"https://acme.atlassian.net/browse/prod-42", Ref{}, false},
		{"https://acme.atlassian.net/browse/PROD-x", Ref{}, false},
		{"not a url", Ref{}, false},
	}
	for _, tt := range tests {
		got, ok := Parse(tt.url, hosts)
		if ok != tt.ok || got != tt.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v, %v", tt.url, got, ok, tt.want, tt.ok)
		}
	}
	if _, ok := Parse("https://github.com/acme/app/issues/1", Hosts{}); ok {
		t.Errorf("a GitHub URL is read with GitHub off")
	}
	// GitHub Enterprise Server: its own host only; an issue of the same
	// name on github.com is another issue, which its API does not have.
	ghe := Hosts{GitHub: GitHubHosts("https://ghe.acme.com/api/v3")}
	if got, ok := Parse("https://ghe.acme.com/acme/app/issues/3", ghe); !ok || got.String() != "acme/app#3" {
		t.Errorf("Enterprise issue = %+v, %v", got, ok)
	}
	if _, ok := Parse("https://github.com/acme/app/issues/3", ghe); ok {
		t.Errorf("a github.com issue is followed through GitHub Enterprise's API")
	}
	if got := GitHubHosts("https://api.github.com/"); len(got) != 1 || got[0] != "github.com" {
		t.Errorf("GitHubHosts(api.github.com) = %v", got)
	}
}

func TestRefString(t *testing.T) {
	if got := (Ref{Tracker: GitHub, Repo: "acme/app", Number: 3}).String(); got != "acme/app#3" {
		t.Errorf("GitHub ref = %q", got)
	}
	if got := (Ref{Tracker: Jira, Repo: "PROD", Number: 3}).String(); got != "PROD-3" {
		t.Errorf("Jira ref = %q", got)
	}
}

func TestValidRepoAndProject(t *testing.T) {
	for s, want := range map[string]bool{"acme/app": true, "a/b.c-d_e": true, "acme": false, "acme/app/x": false, "/app": false, "ac me/app": false} {
		if got := ValidRepo(s); got != want {
			t.Errorf("ValidRepo(%q) = %v", s, got)
		}
	}
	for s, want := range map[string]bool{"PROD": true, "AB_2": true, "prod": false, "2AB": false, "": false, "PROD-1": false} {
		if got := ValidProject(s); got != want {
			t.Errorf("ValidProject(%q) = %v", s, got)
		}
	}
}

func TestMove(t *testing.T) {
	issue := Ref{Tracker: GitHub, Repo: "acme/app", Number: 5}
	pull := Ref{Tracker: GitHub, Repo: "acme/app", Number: 6, Pull: true}
	jira := Ref{Tracker: Jira, Repo: "PROD", Number: 7}
	tests := []struct {
		ref   Ref
		state State
		to    backlog.Status
		note  string
		seen  string
	}{
		{issue, State{Open: true}, "", "", "open"},
		{issue, State{Open: true, Reason: "reopened"}, backlog.StatusInProgress, "acme/app#5 reopened", "open:reopened"},
		{issue, State{Reason: "completed"}, backlog.StatusShipped, "acme/app#5 closed as completed", "closed:completed"},
		{issue, State{}, backlog.StatusShipped, "acme/app#5 closed as completed", "closed:completed"},
		{issue, State{Reason: "not_planned"}, backlog.StatusDeclined, "closed as not planned in acme/app#5", "closed:not_planned"},
		{issue, State{Reason: "duplicate"}, backlog.StatusDeclined, "closed as a duplicate in acme/app#5", "closed:duplicate"},
		{pull, State{Open: true}, "", "", "open"},
		{pull, State{Merged: true}, backlog.StatusShipped, "acme/app#6 merged", "merged"},
		{pull, State{}, "", "", "closed:completed"}, // closed without merging
		{jira, State{Category: "new", Status: "To Do"}, backlog.StatusPlanned, "PROD-7 moved to To Do", "jira:new"},
		{jira, State{Category: "indeterminate", Status: "In Review"}, backlog.StatusInProgress, "PROD-7 moved to In Review", "jira:indeterminate"},
		{jira, State{Category: "done", Status: "Closed"}, backlog.StatusShipped, "PROD-7 moved to Closed", "jira:done"},
		{jira, State{Category: "undefined"}, "", "", "jira:undefined"},
	}
	for _, tt := range tests {
		to, note, ok := Move(tt.ref, tt.state)
		if to != tt.to || note != tt.note || ok != (tt.to != "") {
			t.Errorf("Move(%s, %+v) = %q, %q, %v; want %q, %q", tt.ref, tt.state, to, note, ok, tt.to, tt.note)
		}
		if seen := tt.state.Seen(tt.ref.Tracker); seen != tt.seen {
			t.Errorf("%+v.Seen(%s) = %q, want %q", tt.state, tt.ref.Tracker, seen, tt.seen)
		}
	}
	// A Jira status that keeps its category is no change.
	if a, b := (State{Category: "new", Status: "To Do"}).Seen(Jira), (State{Category: "new", Status: "Selected"}).Seen(Jira); a != b {
		t.Errorf("Seen changed with the status name in one category: %q, %q", a, b)
	}
}
