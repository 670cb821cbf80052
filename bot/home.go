package bot

import (
	"context"
	"fmt"
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

// homeView reads what user's Home tab shows.
func (b *Handlers) homeView(ctx context.Context, user string) (slack.HomeTabViewRequest, error) {
	d := homeData{RoadmapURL: b.cfg.RoadmapURL}
	var err error
	if d.Mine, err = b.db.List(ctx, backlog.Filter{Mine: user}, homeMine+1); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if d.Top, err = b.db.Top(ctx, homeTop); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if d.Shipped, err = b.db.ChangedTo(ctx, backlog.StatusShipped, b.now().Add(-30*24*time.Hour), homeShipped); err != nil {
		return slack.HomeTabViewRequest{}, err
	}
	if b.isAdmin(ctx, user) {
		d.Admin = true
		if d.Triage, err = b.db.TriageQueue(ctx, homeTriage); err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		if d.Stats, err = b.db.Stats(ctx); err != nil {
			return slack.HomeTabViewRequest{}, err
		}
		if d.Outbox, err = b.db.OutboxStats(ctx); err != nil {
			return slack.HomeTabViewRequest{}, err
		}
	}
	return homeTab(d), nil
}
