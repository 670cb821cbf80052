package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"
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
	list := strings.Join(lines, "\n")
	return &Reply{
		Text: intro + "\n" + list,
		Blocks: []slack.Block{
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, intro, false, false), nil, nil),
			slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, list, false, false), nil, nil),
		},
	}, nil
}
