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
	"github.com/liaisonbot/liaison/storage"
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
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	db, _, err := openDB(ctx, cfg.Storage.Path)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.ReconcileSubscriptions(ctx, cfg.subscriptions()); err != nil {
		return err
	}
	sub, err := pickSubscription(ctx, db, *name, cfg.Timezone)
	if err != nil {
		return err
	}
	now := time.Now()
	start := now.AddDate(0, 0, -7)
	if *since != "" {
		d, err := parseSince(*since)
		if err != nil {
			return usageError{err.Error()}
		}
		start = now.Add(-d)
	} else if sub.ID != 0 {
		if last, ok, err := db.LastRun(ctx, sub.ID); err == nil && ok {
			start = last.End
		}
	}
	loc, err := time.LoadLocation(sub.Timezone)
	if err != nil {
		loc = time.UTC
	}
	data, err := db.DigestData(ctx, sub.Filter, start.Add(-now.Sub(start)), start, now, max(sub.TriageDays, 1))
	if err != nil {
		return err
	}
	title := sub.Name
	posts := bot.ComposeDigest(title, data, loc)
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

// pickSubscription finds the named subscription, the first one, or (with
// none configured) a digest of every item.
func pickSubscription(ctx context.Context, db *storage.DB, name, tz string) (storage.Subscription, error) {
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		return storage.Subscription{}, err
	}
	for _, s := range subs {
		if name == "" || s.Name == name {
			return s, nil
		}
	}
	if name != "" {
		var names []string
		for _, s := range subs {
			names = append(names, s.Name)
		}
		return storage.Subscription{}, fmt.Errorf("no subscription %q (there are: %s)", name, strings.Join(names, ", "))
	}
	return storage.Subscription{Name: "all items", Timezone: tz, TriageDays: 7}, nil
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
