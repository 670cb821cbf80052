package bot

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

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
		return nil, userErrorf("*#%d* is already %s, so it stays where it is.", from, statusLabel(it.Status))
	}
	target, err := b.db.Item(ctx, into)
	if err != nil {
		return nil, storageErr(into, err)
	}
	if !target.Status.Open() {
		return nil, userErrorf("*#%d* is already %s, so your request stays open as *#%d*. A product owner can still merge them.",
			into, statusLabel(target.Status), from)
	}
	return b.merge(ctx, from, into, req.User)
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
		blocks = append(blocks, slack.NewSectionBlock(md(cutMarkup(Escape(body), maxSectionText)), nil, nil))
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
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" || strings.ContainsAny(u, "<>| \n") {
		return ""
	}
	// user:password@ before the host can make a link look like another
	// host's ("https://tracker.example.com.aaaa@evil.example/"): drop it.
	p.User = nil
	return p.String()
}
