package bot

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// help lists everything that works, for `/backlog help` and `@Liaison help`.
func (b *Handlers) help(context.Context, *Request) (*Reply, error) {
	var lines []string
	for _, sc := range b.subcommands() {
		// Escaped: "<text>" would otherwise read as one of Slack's links.
		lines = append(lines, fmt.Sprintf("• `/backlog %s` — %s", Escape(sc.usage), sc.summary))
	}
	lines = append(lines, "• `@Liaison help` — this list, in a thread")
	lines = append(lines, "★ product owners only. Ask me in a channel too: `@Liaison status of 42`, `top`, `search dark mode`, `what's planned`, `what shipped this week`, `my requests` — or in a direct message, without the `@Liaison`.")
	intro := "*Liaison* keeps feedback and feature requests in one backlog and tells everyone who asked when things move."
	capture := []string{
		"*Add to the backlog*",
		"• `/feedback feature: dark mode for reports` — start with `feature:`, `bug:`, `feedback:` or `idea:`; `/feedback` alone opens a form",
		"• `@Liaison bug: login fails on Safari` — in any channel I'm in, or `bug: …` in a direct message to me",
		"• `@Liaison capture` in a thread — captures the thread's first message",
	}
	if r := b.reactionHelp(); r != "" {
		capture = append(capture, "• react to a message with "+r)
	}
	capture = append(capture, "• *Add to backlog* in a message's ⋮ menu, or *New request* from the shortcuts menu",
		"• :+1: on my confirmation adds your vote; taking it back takes the vote back")
	list := "*Ask and manage*\n" + strings.Join(lines, "\n")
	captureText := strings.Join(capture, "\n")
	return &Reply{
		Text: intro + "\n" + captureText + "\n" + list,
		Blocks: []slack.Block{
			mdSection(intro), mdSection(captureText), mdSection(list),
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
