package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// itemID reads an item number from a button value or an argument: "42" or "#42".
func itemID(s string) (int64, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 {
		return 0, userErrorf("`%s` is not an item number; write it like `42` or `#42`.", Escape(s))
	}
	return id, nil
}

// notFound turns storage.ErrNotFound into a message for the person.
func notFound(id int64, err error) error {
	if errors.Is(err, storage.ErrNotFound) {
		return userErrorf("There is no item #%d.", id)
	}
	return err
}

// voteButton is +1 on an item message.
func (b *Bot) voteButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := itemID(actionValue(req))
	if err != nil {
		return nil, err
	}
	added, err := b.db.Vote(ctx, id, req.User)
	if err != nil {
		return nil, notFound(id, err)
	}
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return nil, err
	}
	if !added {
		return &Reply{Text: fmt.Sprintf("You have already voted for *#%d* (%s).", id, votesText(it.Votes))}, nil
	}
	return &Reply{Text: fmt.Sprintf("Added your +1 to *#%d* %s — now %s. I'll tell you when it moves.", id, Escape(it.Title), votesText(it.Votes))}, nil
}

// followButton is Follow on an item message.
func (b *Bot) followButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := itemID(actionValue(req))
	if err != nil {
		return nil, err
	}
	added, err := b.db.Follow(ctx, id, req.User)
	if err != nil {
		return nil, notFound(id, err)
	}
	if !added {
		return &Reply{Text: fmt.Sprintf("You already follow *#%d*.", id)}, nil
	}
	return &Reply{Text: fmt.Sprintf("You now follow *#%d*. I'll tell you when it is planned, shipped or declined.", id)}, nil
}

// viewButton opens a modal with the item's details.
func (b *Bot) viewButton(ctx context.Context, req *Request) (*Reply, error) {
	id, err := itemID(actionValue(req))
	if err != nil {
		return nil, err
	}
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return nil, notFound(id, err)
	}
	followers, err := b.db.Followers(ctx, id)
	if err != nil {
		return nil, err
	}
	view := itemModal(it, len(followers))
	return &Reply{After: func(ctx context.Context) error {
		if _, err := b.api.OpenViewContext(ctx, req.TriggerID, view); err != nil {
			return fmt.Errorf("open item #%d: %w", id, err)
		}
		return nil
	}}, nil
}

// mergeButton is "Same as #12 — move my request there": the person who
// captured the new item moves it, with its votes and followers, into #12.
func (b *Bot) mergeButton(ctx context.Context, req *Request) (*Reply, error) {
	fromS, intoS, ok := strings.Cut(actionValue(req), ">")
	from, err1 := itemID(fromS)
	into, err2 := itemID(intoS)
	if !ok || err1 != nil || err2 != nil {
		return nil, userErrorf("That button is broken; ask a product owner to merge the items.")
	}
	it, err := b.db.Item(ctx, from)
	if err != nil {
		return nil, notFound(from, err)
	}
	if req.User != it.Capturer && req.User != it.Reporter {
		return nil, userErrorf("Only the person who captured *#%d* can move it; a product owner can merge it too.", from)
	}
	if it.Status != backlog.StatusNew {
		return nil, userErrorf("*#%d* is already %s, so it stays where it is.", from, statusLabel(it.Status))
	}
	if err := b.db.Merge(ctx, from, into, req.User, nil); err != nil {
		if me, ok := errors.AsType[*storage.MergeError](err); ok {
			return nil, &UserError{Msg: me.Reason}
		}
		return nil, notFound(into, err)
	}
	target, err := b.db.Item(ctx, into)
	if err != nil {
		return nil, err
	}
	return &Reply{Text: fmt.Sprintf("Moved your request to *#%d* %s — it now has %s, yours included. *#%d* is closed as a duplicate.",
		into, Escape(target.Title), votesText(target.Votes), from)}, nil
}

// itemModal shows an item's details.
func itemModal(it backlog.Item, followers int) slack.ModalViewRequest {
	plain := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
	}
	md := func(s string) *slack.TextBlockObject {
		return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
	}
	labels := "—"
	if len(it.Labels) > 0 {
		labels = Escape(strings.Join(it.Labels, ", "))
	}
	fields := []*slack.TextBlockObject{
		md("*Kind*\n" + kindLabel(it.Kind)),
		md("*Status*\n" + statusLabel(it.Status)),
		md("*Votes*\n" + strconv.Itoa(it.Votes)),
		md("*Followers*\n" + strconv.Itoa(followers)),
		md("*Reported by*\n" + userRef(it.Reporter)),
		md("*Labels*\n" + labels),
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain(it.Title)),
		slack.NewSectionBlock(nil, fields, nil),
	}
	if body := strings.TrimSpace(it.Body); body != "" && body != it.Title {
		blocks = append(blocks, slack.NewSectionBlock(md(truncateRunes(Escape(body), 2900)), nil, nil))
	}
	ctx := fmt.Sprintf("Captured %s", it.CreatedAt.UTC().Format("2 Jan 2006"))
	if link := safeURL(it.Source.Permalink); link != "" {
		ctx += fmt.Sprintf(" · <%s|original message>", link)
	}
	blocks = append(blocks, slack.NewContextBlock("", md(ctx)))
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain(fmt.Sprintf("Request #%d", it.ID)),
		Close:  plain("Close"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// userRef renders a Slack user id as a mention, or "—" for anything else.
func userRef(id string) string {
	if !isUserID(id) || strings.ContainsAny(id, "<>|&") {
		return "—"
	}
	return "<@" + id + ">"
}

// safeURL returns u if it is an http(s) URL that cannot break out of a
// <url|label> link, else "".
func safeURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || strings.ContainsAny(u, "<>| \n") {
		return ""
	}
	return u
}
