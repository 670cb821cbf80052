package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/storage"
)

var digestCommand = command{
	name:        "digest",
	summary:     "digests outside Slack",
	subcommands: []command{digestPreviewCommand},
}

var digestPreviewCommand = command{
	name:    "preview",
	summary: "render a digest from the local database, without Slack",
	about: `Renders the digest a subscription would post now, from the local database, as text or as the
Block Kit JSON that would be posted (paste-able into Block Kit Builder). The subscriptions are
the configuration's digests and those made in Slack. Nothing is sent to Slack. The database must
exist: preview never creates or upgrades one (run ` + "`liaison migrate`" + ` for that).`,
	env:         []string{"LIAISON_DB"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		name := fs.String("subscription", "", "the subscription to render, by `NAME` (default: the first)")
		var since time.Duration
		fs.Func("since", "the period's `LENGTH`, e.g. 7d or 36h (default: since its last posted digest, or 7d)", func(s string) error {
			var err error
			since, err = parseSince(s)
			return err
		})
		format := choiceFlag(fs, "format", "text, or blocks for the Block Kit JSON that would be posted", "text", "blocks")
		chart := fs.String("chart", "", "also write the digest's trend chart, a PNG, to `FILE`")
		return func(ctx context.Context, g globals, _ []string) error {
			return cmdDigestPreview(ctx, g, *name, since, *format, *chart)
		}
	},
}

// cmdDigestPreview is `liaison digest preview`: a digest rendered from the
// local database to stdout, without Slack.
func cmdDigestPreview(ctx context.Context, g globals, name string, since time.Duration, format, chart string) error {
	cfg, db, err := openExisting(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := db.ReconcileSubscriptions(ctx, cfg.subscriptions()); err != nil {
		return err
	}
	posts, err := bot.PreviewDigest(ctx, db, name, since, cfg.Timezone, cfg.botConfig().RoadmapURL)
	if err != nil {
		return err
	}
	if chart != "" {
		if err := writeChart(ctx, g, db, name, since, cfg.Timezone, chart); err != nil {
			return err
		}
	}
	if format == "text" {
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

// writeChart writes the preview's chart to path, atomically, and says so
// on stderr; with nothing to plot it writes nothing and says that.
func writeChart(ctx context.Context, g globals, db *storage.DB, name string, since time.Duration, tz, path string) error {
	png, none, err := bot.PreviewChart(ctx, db, name, since, tz)
	if err != nil {
		return err
	}
	if png == nil {
		fmt.Fprintf(g.stderr, "no chart: %s\n", none)
		return nil
	}
	if err := writeFileAtomic(path, png); err != nil {
		return fmt.Errorf("--chart: %w", err)
	}
	fmt.Fprintf(g.stderr, "chart written to %s (%d bytes)\n", path, len(png))
	return nil
}

// parseSince reads "7d", "36h" or "90m".
func parseSince(s string) (time.Duration, error) {
	bad := errors.New("use a number of days like 7d, or a duration like 36h")
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err != nil || n <= 0 {
			return 0, bad
		}
		return time.Duration(n) * 24 * time.Hour, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, bad
	}
	return d, nil
}

// writeFileAtomic writes data beside path and renames it over path once
// complete, so a failure never leaves a partial file there.
func writeFileAtomic(path string, data []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(f.Name()) // gone by then after a success
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}
