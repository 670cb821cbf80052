package console

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
)

// syncBuffer is output written by the bot's goroutines and read by the test.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// session runs script through a shell on a real bot and a real SQLite
// file, as `liaison shell` does, and returns what it printed with message
// timestamps written TS.
func session(t *testing.T, cfg bot.Config, script string) (string, *storage.DB) {
	t.Helper()
	return sessionOn(t, filepath.Join(t.TempDir(), "liaison.db"), cfg, script)
}

// sessionOn is session on the database at path.
func sessionOn(t *testing.T, path string, cfg bot.Config, script string) (string, *storage.DB) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	db, err := storage.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	out := &syncBuffer{}
	c := New(out)
	b := bot.NewLocal(cfg, db, log, scheduler.New(ctx, log), c)
	ran := make(chan error, 1)
	go func() { ran <- b.Run(ctx) }()
	if err := NewShell(c, b, cfg.Admins, false).Serve(ctx, strings.NewReader(script)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if err := <-ran; err != nil {
		t.Fatal(err)
	}
	return regexp.MustCompile(`\d{10}\.\d{6}`).ReplaceAllString(out.String(), "TS"), db
}

// wantLines checks that got is want, line by line.
func wantLines(t *testing.T, got, want string) {
	t.Helper()
	g, w := strings.Split(strings.TrimRight(got, "\n"), "\n"), strings.Split(strings.TrimRight(want, "\n"), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			t.Errorf("line %d:\n got %q\nwant %q", i+1, gl, wl)
		}
	}
	if t.Failed() {
		t.Logf("whole output:\n%s", got)
	}
}

// TestShellSession: capture, vote, ship and read back, typed as in Slack;
// the replies and what the delivery path sends are shown as text.
func TestShellSession(t *testing.T) {
	script := `/feedback feature: dark mode @here for reports
@liaison bug: login fails on Safari
:press +1
:user U0BOB
/backlog vote 1
:user U0YOU
/backlog status 1 shipped
:admin
/backlog status 1 shipped
/backlog top
:quit
/backlog help
`
	out, db := session(t, bot.Config{}, script)
	// @here reaches the bot as Slack sends it, <!here>, and reads back as
	// text: escaped, it never pinged anyone.
	wantLines(t, out, `Captured as #1 · Feature request · new
>dark mode <!here> for reports
[+1] [Follow] [View]
→ #C0SHELL thread TS:
  Captured as #2 · Bug · new
  >login fails on Safari
  [+1] [Follow] [View]
→ only U0YOU sees, in #C0SHELL: You have already voted for #2 (1 vote).
You are U0BOB, not a product owner (:admin makes you one).
Added your +1 to #1 dark mode <!here> for reports — now 2 votes. I'll tell you when it moves.
You are U0YOU, not a product owner (:admin makes you one).
Only product owners can change an item's status. No product owners are configured yet: set admins.users in Liaison's configuration.
You are U0YOU, a product owner.
#1 dark mode <!here> for reports: new → shipped. Everyone following it will be told.
→ DM to U0YOU: #1 dark mode <!here> for reports, which you follow, has shipped :tada:
→ DM to U0BOB: #1 dark mode <!here> for reports, which you follow, has shipped :tada:
Top 10 open items — by score, then votes, then age
#2 login fails on Safari — bug · new · 1 vote
`)
	it, err := db.Item(context.Background(), 1)
	if err != nil || it.Status != "shipped" || it.Votes != 2 {
		t.Errorf("#1 = %+v, %v; want shipped with 2 votes", it, err)
	}
}

// TestShellFillsInForms: /feedback alone opens the capture form; :submit
// sends it as a submitted modal, a refused field keeps it open, and an
// accepted one closes it with the confirmation.
func TestShellFillsInForms(t *testing.T) {
	out, db := session(t, bot.Config{}, `/feedback
:submit Offline mode | works on the train | bug | mobile
:submit Offline mode | works on the train | bug
:submit
`)
	wantLines(t, out, `→ a form opens, Add to backlog (:submit title | details | kind | labels sends it):
  Title: [ ] e.g. Dark mode for reports
  Details: [ ] e.g. What is needed, for whom, and why
  Kind: [Feedback ▾]
  Labels: [ ] e.g. reports, billing
form error, labels: mobile is not a label yet; only product owners add new ones. Leave it out, or use a label already in use.
→ only U0YOU sees, in #C0SHELL:
  Captured as #1 · Bug · new
  >Offline mode
  [+1] [Follow] [View]
No form is open: /feedback alone opens one.
`)
	it, err := db.Item(context.Background(), 1)
	if err != nil || it.Title != "Offline mode" || it.Body != "works on the train" || it.Kind != "bug" || it.Capture != "modal" {
		t.Errorf("#1 = %+v, %v", it, err)
	}
}

// TestShellDirectMessages: in :dm a message is answered like a mention,
// in the DM.
func TestShellDirectMessages(t *testing.T) {
	out, _ := session(t, bot.Config{}, ":dm\nfeature: dark mode\ntop\n")
	wantLines(t, out, `You type in your DM with Liaison (#D0YOU); :channel C123 leaves it.
→ DM to D0YOU:
  Captured as #1 · Feature request · new
  >dark mode
  [+1] [Follow] [View]
→ DM to D0YOU:
  Top 10 open items — by score, then votes, then age
  #1 dark mode — feature request · new · 1 vote
`)
}

// TestShellSessionsShareADatabase: a second session on the same database
// is answered like the first; none of its events looks like a redelivery
// of the first's, and none of its messages like one already captured.
func TestShellSessionsShareADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "liaison.db")
	cfg := bot.Config{Channels: map[string]bot.ChannelRule{DefaultChannel: {Kind: "feedback"}}}
	first, db := sessionOn(t, path, cfg, "@liaison feature: first\nthe export is slow\n")
	db.Close()
	second, db := sessionOn(t, path, cfg, "@liaison feature: second\nthe import is slow\n")
	for _, want := range []string{"Captured as #1", "Captured as #2"} {
		if !strings.Contains(first, want) {
			t.Errorf("first session lacks %q:\n%s", want, first)
		}
	}
	for _, want := range []string{"Captured as #3", "Captured as #4"} {
		if !strings.Contains(second, want) {
			t.Errorf("second session lacks %q:\n%s", want, second)
		}
	}
	if it, err := db.Item(context.Background(), 4); err != nil || it.Title != "the import is slow" {
		t.Errorf("#4 = %+v, %v", it, err)
	}
}

// TestShellThreadsAndMenus: :thread types in a thread (so @liaison capture
// captures its first message), and :choose picks from the card's status
// menu, a decline asking for its reason in a form.
func TestShellThreadsAndMenus(t *testing.T) {
	out, db := session(t, bot.Config{}, `the export is slow for big teams
:thread
@liaison capture
:thread off
:admin
/backlog show 1
:choose Planned
:choose nope
/backlog show 1
:choose declined
:submit we will not do it
`)
	// A reply to a button is queued after its ack, the notifications with
	// the change itself: either may be sent first, so the lines are
	// compared as a set.
	wantSameLines(t, out, `You type in the thread of TS in #C0SHELL; :thread off leaves it.
→ #C0SHELL thread TS:
  Captured as #1 · Feedback · new
  >the export is slow for big teams
  [+1] [Follow] [View]
You type in #C0SHELL.
You are U0YOU, a product owner.
#1 the export is slow for big teams
Kind: Feedback
Status: new
Votes: 1
Score: —
Labels: —
Assignee: —
Tracker: —
Requesters: 1
Last change: captured by @U0YOU, 1 Dec 2026
[+1] [Follow] [Set status… ▾]
→ only U0YOU sees, in #C0SHELL: #1 the export is slow for big teams: new → planned. Everyone following it will be told.
→ #C0SHELL thread TS: #1 the export is slow for big teams is now planned.
→ DM to U0YOU: Good news: #1 the export is slow for big teams, which you follow, is now planned.
No option "nope"; the menus last shown: [Set status… ▾]: Triaged, Planned, In progress, Shipped, Declined (asks for a reason)
`+"#1 the export is slow for big teams"+`
Kind: Feedback
Status: planned
Votes: 1
Score: —
Labels: —
Assignee: —
Tracker: —
Requesters: 1
Last change: status new → planned by @U0YOU, 1 Dec 2026
[+1] [Follow] [Set status… ▾]
→ a form opens, Decline #1 (:submit reason sends it):
  #1 the export is slow for big teams
  Reason: [ ] e.g. Out of scope for this year: we focus on reporting
→ #C0SHELL thread TS: #1 the export is slow for big teams was declined: we will not do it
→ only U0YOU sees, in #C0SHELL: #1 the export is slow for big teams: planned → declined. Everyone following it will be told.
→ DM to U0YOU: #1 the export is slow for big teams, which you follow, was declined: we will not do it
`)
	if it, err := db.Item(context.Background(), 1); err != nil || it.Status != "declined" || it.Capture != "thread" {
		t.Errorf("#1 = %+v, %v; want declined, captured from the thread", it, err)
	}
}

// wantSameLines checks that got holds want's lines, in any order.
func wantSameLines(t *testing.T, got, want string) {
	t.Helper()
	g, w := strings.Split(strings.TrimRight(got, "\n"), "\n"), strings.Split(strings.TrimRight(want, "\n"), "\n")
	slices.Sort(g)
	slices.Sort(w)
	if !slices.Equal(g, w) {
		t.Errorf("lines differ:\n got (sorted) %q\nwant (sorted) %q\nwhole output:\n%s", g, w, got)
	}
}
