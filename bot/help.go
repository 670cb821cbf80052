package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// subcommand is one `/backlog` subcommand, listed in help in this order.
type subcommand struct {
	name    string
	usage   string // as typed, after "/backlog "
	summary string
	run     HandlerFunc
}

// subcommands lists the `/backlog` subcommands. Later features add theirs here.
func (b *Handlers) subcommands() []subcommand {
	return []subcommand{
		{name: "help", usage: "help", summary: "what Liaison can do (this message)", run: b.help},
		{name: "list", usage: "list [status] [kind] [#label] [mine] [by @person]", summary: "items, best ranked first (open ones unless you name a status)", run: b.cmdList},
		{name: "top", usage: "top [N]", summary: "the N best-ranked open items (score, then votes, then age)", run: b.cmdTop},
		{name: "show", usage: "show 42", summary: "one item with its status, votes, score and last change", run: b.cmdShow},
		{name: "search", usage: "search dark mode", summary: "items whose title or details contain the words", run: b.cmdSearch},
		{name: "stats", usage: "stats", summary: "counts by status and kind, and notification health", run: b.cmdStats},
		{name: "vote", usage: "vote 42", summary: "add your +1 (you'll follow it too)", run: b.cmdVote},
		{name: "unvote", usage: "unvote 42", summary: "take your +1 back", run: b.cmdUnvote},
		{name: "follow", usage: "follow 42", summary: "hear when it is planned, shipped or declined", run: b.cmdFollow},
		{name: "unfollow", usage: "unfollow 42", summary: "stop hearing about it", run: b.cmdUnfollow},
		{name: "comment", usage: "comment 42 <text>", summary: "add a note to its history", run: b.cmdComment},
		{name: "status", usage: "status 42 <status> [reason]", summary: "★ move it (new, triaged, planned, in_progress, shipped; declined needs a reason)", run: b.cmdStatus},
		{name: "score", usage: "score 42 reach=500 impact=2 confidence=80 effort=3", summary: "★ set RICE inputs", run: b.cmdScore},
		{name: "label", usage: "label 42 +area -area", summary: "★ add or remove labels", run: b.cmdLabel},
		{name: "assign", usage: "assign 42 @person", summary: "★ set who works on it", run: b.cmdAssign},
		{name: "link", usage: "link 42 <url>", summary: "★ link the tracker issue", run: b.cmdLink},
		{name: "merge", usage: "merge 43 into 12", summary: "★ mark a duplicate; its votes and followers move", run: b.cmdMerge},
		{name: "digest", usage: "digest list | now [#channel] | preview", summary: "scheduled status digests: see them, post one now, preview one", run: b.cmdDigest},
		{name: "digest subscribe", usage: "digest subscribe weekly mon 09:00 [#channel] [kinds] [#labels] · digest unsubscribe 3", summary: "★ schedule a digest for a channel, or stop one", run: b.cmdDigest},
	}
}

// backlogCommand routes `/backlog <subcommand> …` to its subcommand.
func (b *Handlers) backlogCommand(ctx context.Context, req *Request) (*Reply, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	name = strings.ToLower(name)
	if name == "" {
		name = "help"
	}
	for _, sc := range b.subcommands() {
		if sc.name == name {
			sub := *req
			sub.Text = strings.TrimSpace(rest)
			return sc.run(ctx, &sub)
		}
	}
	return nil, userErrorf("I don't know `/backlog %s`. Try `/backlog help` to see what works.", echo(name, maxEcho))
}

// help lists everything that works, for `/backlog help` and `@Liaison help`.
func (b *Handlers) help(context.Context, *Request) (*Reply, error) {
	var lines []string
	for _, sc := range b.subcommands() {
		lines = append(lines, fmt.Sprintf("• `/backlog %s` — %s", sc.usage, sc.summary))
	}
	lines = append(lines, "• `@Liaison help` — this list, in a thread")
	lines = append(lines, "★ product owners only. Ask me in a channel too: `@Liaison status of 42`, `top`, `search dark mode`, `what's planned`, `what shipped this week`, `my requests`.")
	intro := "*Liaison* keeps feedback and feature requests in one backlog and tells everyone who asked when things move."
	capture := []string{
		"*Add to the backlog*",
		"• `/feedback feature: dark mode for reports` — start with `feature:`, `bug:`, `feedback:` or `idea:`; `/feedback` alone opens a form",
		"• `@Liaison bug: login fails on Safari` — in any channel I'm in",
		"• `@Liaison capture` in a thread — captures the thread's first message",
	}
	if r := b.reactionHelp(); r != "" {
		capture = append(capture, "• react to a message with "+r)
	}
	capture = append(capture, "• *Add to backlog* in a message's ⋮ menu, or *New request* from the shortcuts menu")
	list := "*Ask and manage*\n" + strings.Join(lines, "\n")
	captureText := strings.Join(capture, "\n")
	return &Reply{
		Text: intro + "\n" + captureText + "\n" + list,
		Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, intro, false, false), nil, nil),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, captureText, false, false), nil, nil),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, list, false, false), nil, nil),
		},
	}, nil
}

// reactionHelp lists the configured capture reactions: ":bulb: (feature), …".
func (b *Handlers) reactionHelp() string {
	var parts []string
	for _, name := range sortedEmoji(b.cfg.Emoji) {
		parts = append(parts, fmt.Sprintf(":%s: (%s)", name, b.cfg.Emoji[name]))
	}
	return strings.Join(parts, ", ")
}

// sortedEmoji returns the reaction names in order, for stable help text.
func sortedEmoji(m map[string]backlog.Kind) []string {
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
