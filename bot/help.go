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
func (b *Bot) subcommands() []subcommand {
	return []subcommand{
		{name: "help", usage: "help", summary: "what Liaison can do (this message)", run: b.help},
	}
}

// backlogCommand routes `/backlog <subcommand> …` to its subcommand.
func (b *Bot) backlogCommand(ctx context.Context, req *Request) (*Reply, error) {
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
	return nil, userErrorf("I don't know `/backlog %s`. Try `/backlog help` to see what works.", Escape(name))
}

// help lists everything that works, for `/backlog help` and `@Liaison help`.
func (b *Bot) help(context.Context, *Request) (*Reply, error) {
	var lines []string
	for _, sc := range b.subcommands() {
		lines = append(lines, fmt.Sprintf("• `/backlog %s` — %s", sc.usage, sc.summary))
	}
	lines = append(lines, "• `@Liaison help` — the same, in a thread")
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
func (b *Bot) reactionHelp() string {
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
