package bot

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// App Home list sizes; with one section per list the view stays far under
// Slack's 100 blocks.
const (
	homeMine    = 10
	homeTop     = 5
	homeShipped = 5
	homeTriage  = 10
)

// homeOpened publishes the App Home: my requests, top open items, recently
// shipped, and for admins the triage queue. Reads and views.publish both
// happen after the ack.
func (b *Handlers) homeOpened(_ context.Context, req *Request) (*Reply, error) {
	if req.User == "" {
		return nil, nil
	}
	return &Reply{After: func(ctx context.Context) error {
		view, err := b.homeView(ctx, req.User)
		if err != nil {
			return err
		}
		view.Blocks.BlockSet = fit(view.Blocks.BlockSet, maxViewBlocks)
		_, err = b.api.PublishViewContext(ctx, slack.PublishViewContextRequest{UserID: req.User, View: view})
		if err != nil {
			return fmt.Errorf("publish home of %s: %w", req.User, err)
		}
		return nil
	}}, nil
}

// homeView builds the Home tab for user.
func (b *Handlers) homeView(ctx context.Context, user string) (slack.HomeTabViewRequest, error) {
	mine, err := b.db.List(ctx, backlog.Filter{Mine: user}, homeMine+1)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	top, err := b.db.Top(ctx, homeTop)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	shipped, err := b.db.ChangedTo(ctx, backlog.StatusShipped, b.now().Add(-30*24*time.Hour), homeShipped)
	if err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Liaison")),
		slack.NewContextBlock("", md("Capture with `/feedback`, a mention, a reaction or *Add to backlog* on any message. `/backlog help` lists everything.")),
	}
	section := func(title string, items []backlog.Item, empty string, limit int) {
		_, bs := itemList(title, items, limit, empty)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, bs...)
	}
	section("*My requests* — reported or followed", mine, "Nothing yet. What would make your work easier? Tell me with `/feedback`.", homeMine)
	section("*Top open items*", top, "The backlog is empty.", homeTop)
	section("*Recently shipped*", shipped, "Nothing shipped in the last 30 days.", homeShipped)

	if b.isAdmin(ctx, user) {
		queue, err := b.db.TriageQueue(ctx, homeTriage)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		stats, err := b.db.Stats(ctx)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		outbox, err := b.db.OutboxStats(ctx)
		if err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		var counts []string
		for _, s := range backlog.Statuses {
			if n := stats.ByStatus[s]; n > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", s.Label(), n))
			}
		}
		section(fmt.Sprintf("*Triage queue* — %d new, oldest first", stats.ByStatus[backlog.StatusNew]), queue, "Nothing waits for triage.", homeTriage)
		summary := "All items: " + strings.Join(counts, " · ")
		if outbox.Dead > 0 {
			summary += fmt.Sprintf(" · %d notifications failed for good (see the log)", outbox.Dead)
		}
		blocks = append(blocks, slack.NewContextBlock("", md(summary)))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}, nil
}
