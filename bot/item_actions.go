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

// isVoteReaction reports whether a reaction is :+1: (thumbsup), in any skin tone.
func isVoteReaction(name string) bool {
	name, _, _ = strings.Cut(name, "::")
	return name == "+1" || name == "thumbsup"
}

// reactionVote is a :+1: added to a capture confirmation: the person's vote
// (and follow), as its +1 button. voted is false when the message is no
// capture confirmation. Only a new vote is answered, privately, in the
// confirmation's thread: a +1 already there needs no word.
func (b *Handlers) reactionVote(ctx context.Context, req *Request) (reply *Reply, voted bool, err error) {
	conf, ok, err := b.db.ConfirmationAt(ctx, req.Channel, req.TS)
	if err != nil || !ok {
		return nil, false, err
	}
	target, added, err := b.db.Vote(ctx, conf.ItemID, req.User)
	if err != nil {
		return nil, true, storageErr(conf.ItemID, err)
	}
	if !added {
		return nil, true, nil
	}
	it, err := b.db.Item(ctx, target)
	if err != nil {
		return nil, true, err
	}
	return &Reply{Text: votedText(it, conf.ItemID), Channel: conf.Channel, Thread: conf.ThreadTS, Ephemeral: true}, true, nil
}

// unreaction is a reaction taken back: a :+1: removed from a capture
// confirmation removes that person's vote (they keep following), except
// the reporter's, whose request it is. Only a vote removed is answered.
// Every other reaction removed changes nothing: a capture stays captured.
func (b *Handlers) unreaction(ctx context.Context, req *Request) (*Reply, error) {
	if !isVoteReaction(req.Name) {
		return nil, nil
	}
	conf, ok, err := b.db.ConfirmationAt(ctx, req.Channel, req.TS)
	if err != nil || !ok {
		return nil, err
	}
	it, err := b.db.Item(ctx, conf.ItemID)
	if err != nil {
		return nil, storageErr(conf.ItemID, err)
	}
	target := it
	if it.DuplicateOf != 0 { // the votes went where it was merged
		if target, err = b.db.Item(ctx, it.DuplicateOf); err != nil {
			return nil, storageErr(it.DuplicateOf, err)
		}
	}
	if req.User == it.Reporter || req.User == target.Reporter {
		return nil, nil
	}
	removed, err := b.db.Unvote(ctx, target.ID, req.User)
	if err != nil {
		return nil, storageErr(target.ID, err)
	}
	if !removed {
		return nil, nil
	}
	return &Reply{Text: unvotedText(target.ID), Channel: conf.Channel, Thread: conf.ThreadTS, Ephemeral: true}, nil
}
