package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/liaisonbot/liaison/backlog"
)

// voteButton is +1 on an item message.
func (b *Handlers) voteButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := parseID(actionValue(req))
	if err != nil {
		return nil, err
	}
	return b.vote(ctx, id, req.User)
}

// followButton is Follow on an item message.
func (b *Handlers) followButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := parseID(actionValue(req))
	if err != nil {
		return nil, err
	}
	return b.follow(ctx, id, req.User)
}

// viewButton opens a modal with the item's details.
func (b *Handlers) viewButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := parseID(actionValue(req))
	if err != nil {
		return nil, err
	}
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return nil, storageErr(id, err)
	}
	followers, err := b.db.Followers(ctx, id)
	if err != nil {
		return nil, err
	}
	view := itemModal(it, len(followers))
	return &Reply{Now: func(ctx context.Context) error {
		if err := b.openView(ctx, req.TriggerID, view); err != nil {
			return fmt.Errorf("open item #%d: %w", id, err)
		}
		return nil
	}}, nil
}

// mergeButton is "Same as #12 — move my request there": the person who
// captured the new item moves it, with its votes and followers, into #12.
func (b *Handlers) mergeButton(ctx context.Context, req *Request) (*Reply, error) {
	fromS, intoS, ok := strings.Cut(actionValue(req), ">")
	from, err1 := parseID(fromS)
	into, err2 := parseID(intoS)
	if !ok || err1 != nil || err2 != nil {
		return nil, userErrorf("That button is broken; ask a product owner to merge the items.")
	}
	it, err := b.db.Item(ctx, from)
	if err != nil {
		return nil, storageErr(from, err)
	}
	if req.User != it.Capturer && req.User != it.Reporter {
		return nil, userErrorf("Only the person who captured *#%d* can move it; a product owner can merge it too.", from)
	}
	if it.Status != backlog.StatusNew {
		return nil, userErrorf("*#%d* is already %s, so it stays where it is.", from, it.Status.Label())
	}
	target, err := b.db.Item(ctx, into)
	if err != nil {
		return nil, storageErr(into, err)
	}
	if !target.Status.Open() {
		return nil, userErrorf("*#%d* is already %s, so your request stays open as *#%d*. A product owner can still merge them.",
			into, target.Status.Label(), from)
	}
	return b.merge(ctx, from, into, req.User)
}
