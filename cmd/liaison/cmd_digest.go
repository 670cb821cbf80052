package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/bot"
)

// cmdDigest is `liaison digest preview`: a digest rendered from the local
// database to stdout, without Slack.
func cmdDigest(ctx context.Context, g globals, args []string) error {
	if len(args) == 0 || args[0] != "preview" {
		return usageError{"usage: liaison digest preview [--subscription NAME] [--since 7d] [--format text|blocks]"}
	}
	fs := subcommandFlags("digest preview", &g)
	name := fs.String("subscription", "", "the subscription to render (default: the first)")
	since := fs.String("since", "", "the period's length, e.g. 7d or 36h (default: since its last posted digest, or 7d)")
	format := fs.String("format", "text", "text, or blocks for the Block Kit JSON that would be posted")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *format != "text" && *format != "blocks" {
		return usageError{fmt.Sprintf("--format %q: use text or blocks", *format)}
	}
	cfg, db, err := openConfigured(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.ReconcileSubscriptions(ctx, cfg.subscriptions()); err != nil {
		return err
	}
	var window time.Duration
	if *since != "" {
		if window, err = parseSince(*since); err != nil {
			return usageError{err.Error()}
		}
	}
	posts, err := bot.PreviewDigest(ctx, db, *name, window, cfg.Timezone)
	if err != nil {
		return err
	}
	if *format == "text" {
		_, err := fmt.Fprint(g.stdout, bot.DigestText(posts))
		return err
	}
	var out []slack.Blocks
	for _, p := range posts {
		out = append(out, slack.Blocks{BlockSet: p.Blocks})
	}
	enc := json.NewEncoder(g.stdout)
	enc.SetIndent("", "  ")
	if len(out) == 1 {
		return enc.Encode(out[0]) // paste-able into Block Kit Builder as is
	}
	return enc.Encode(out)
}

// parseSince reads "7d", "36h" or "90m".
func parseSince(s string) (time.Duration, error) {
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, fmt.Errorf("--since %q: use a number of days like 7d, or a duration like 36h", s)
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--since %q: use a number of days like 7d, or a duration like 36h", s)
	}
	return d, nil
}
