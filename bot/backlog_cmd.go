package bot

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/tracker"
)

// List sizes.
const (
	listSize   = 15
	defaultTop = 10
	maxTop     = 25
)

func (b *Handlers) cmdList(ctx context.Context, req *Request) (*Reply, error) {
	f, err := backlog.ParseFilter(labelWords(strings.Fields(req.Text)), req.User, mentionedUser)
	if fe, ok := errors.AsType[*backlog.FilterError](err); ok {
		return nil, &UserError{Msg: filterWords(fe)}
	}
	if err != nil {
		return nil, err
	}
	items, err := b.db.List(ctx, f, listSize+1)
	if err != nil {
		return nil, err
	}
	title := "*Open items*, best ranked first"
	if f.Status != "" {
		title = fmt.Sprintf("*Items %s*, best ranked first", f.Status.Label())
	}
	text, blocks := itemList(title, items, listSize, "Nothing matches. `/backlog list` shows every open item.")
	return &Reply{Text: text, Blocks: blocks}, nil
}

func (b *Handlers) cmdTop(ctx context.Context, req *Request) (*Reply, error) {
	n := defaultTop
	if a := strings.TrimSpace(req.Text); a != "" {
		v, err := strconv.Atoi(a)
		if err != nil || v < 1 {
			return nil, userErrorf("`top` takes a number, e.g. `/backlog top 5` (at most %d).", maxTop)
		}
		n = min(v, maxTop)
	}
	items, err := b.db.Top(ctx, n)
	if err != nil {
		return nil, err
	}
	text, blocks := itemList(fmt.Sprintf("*Top %d open items* — by score, then votes, then age", n), items, n, "The backlog is empty. Capture something with `/feedback`.")
	return &Reply{Text: text, Blocks: blocks}, nil
}

func (b *Handlers) cmdShow(ctx context.Context, req *Request) (*Reply, error) {
	id, _, err := needID(strings.Fields(req.Text), "show 42")
	if err != nil {
		return nil, err
	}
	return b.card(ctx, id, req.User, true)
}

// card renders item id for user; controls shows the admin and effort controls they may use.
func (b *Handlers) card(ctx context.Context, id int64, user string, controls bool) (*Reply, error) {
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return nil, storageErr(id, err)
	}
	followers, err := b.db.Followers(ctx, id)
	if err != nil {
		return nil, err
	}
	changes, err := b.db.History(ctx, id)
	if err != nil {
		return nil, err
	}
	v := cardView{Followers: len(followers), Changes: changes, Sizes: b.effortSizes()}
	if controls {
		v.Admin, v.Estimator = b.isAdmin(ctx, user), b.canEstimate(ctx, user)
	}
	if v.Admin && it.TrackerURL == "" {
		v.File = b.trackers.filers()
	}
	text, blocks := itemCard(it, v)
	return &Reply{Text: text, Blocks: blocks}, nil
}

// effortSizes are the configured sizes, smallest first.
func (b *Handlers) effortSizes() []string {
	sizes := make([]string, 0, len(b.cfg.EffortSizes))
	for s := range b.cfg.EffortSizes {
		sizes = append(sizes, s)
	}
	sort.Slice(sizes, func(i, j int) bool { return b.cfg.EffortSizes[sizes[i]] < b.cfg.EffortSizes[sizes[j]] })
	return sizes
}

func (b *Handlers) cmdSearch(ctx context.Context, req *Request) (*Reply, error) {
	q := strings.TrimSpace(Unescape(req.Text))
	if q == "" {
		return nil, userErrorf("Search for what? e.g. `/backlog search dark mode`")
	}
	items, err := b.db.Search(ctx, q, listSize+1)
	if err != nil {
		return nil, err
	}
	text, blocks := itemList(fmt.Sprintf("*Search:* %s", echo(q, maxEcho)), items, listSize, "No items match. Try fewer or shorter words.")
	return &Reply{Text: text, Blocks: blocks}, nil
}

func (b *Handlers) cmdStats(ctx context.Context, _ *Request) (*Reply, error) {
	s, err := b.db.Stats(ctx)
	if err != nil {
		return nil, err
	}
	outbox, err := b.db.OutboxStats(ctx)
	if err != nil {
		return nil, err
	}
	var byStatus, byKind []string
	for _, st := range backlog.Statuses {
		byStatus = append(byStatus, fmt.Sprintf("%s %d", st.Label(), s.ByStatus[st]))
	}
	for _, k := range backlog.Kinds {
		byKind = append(byKind, fmt.Sprintf("%s %d", k, s.ByKind[k]))
	}
	text := fmt.Sprintf("*Backlog:* %d items\n*By status:* %s\n*By kind:* %s\n*Messages (replies, notifications, digests):* %d waiting, %d sent, %d failed for good",
		s.Total, strings.Join(byStatus, " · "), strings.Join(byKind, " · "), outbox.Pending, outbox.Sent, outbox.Dead)
	if outbox.Dead > 0 {
		text += " (see Liaison's log)"
	}
	trackers, err := b.trackerStats(ctx)
	if err != nil {
		return nil, err
	}
	if trackers != "" {
		text += "\n" + trackers
	}
	return &Reply{Text: text, Blocks: []slack.Block{mdSection(text)}}, nil
}

func (b *Handlers) cmdVote(ctx context.Context, req *Request) (*Reply, error) {
	id, _, err := needID(strings.Fields(req.Text), "vote 42")
	if err != nil {
		return nil, err
	}
	return b.vote(ctx, id, req.User)
}

// vote is +1 from the card's button or `/backlog vote`.
func (b *Handlers) vote(ctx context.Context, id int64, user string) (*Reply, error) {
	target, added, err := b.db.Vote(ctx, id, user)
	if err != nil {
		return nil, storageErr(id, err)
	}
	it, err := b.db.Item(ctx, target)
	if err != nil {
		return nil, err
	}
	if !added {
		return &Reply{Text: alreadyVotedText(it, id)}, nil
	}
	return &Reply{Text: votedText(it, id)}, nil
}

func (b *Handlers) cmdUnvote(ctx context.Context, req *Request) (*Reply, error) {
	id, _, err := needID(strings.Fields(req.Text), "unvote 42")
	if err != nil {
		return nil, err
	}
	removed, err := b.db.Unvote(ctx, id, req.User)
	if err != nil {
		return nil, storageErr(id, err)
	}
	if !removed {
		return &Reply{Text: fmt.Sprintf("You had not voted for *#%d*.", id)}, nil
	}
	return &Reply{Text: unvotedText(id)}, nil
}

func (b *Handlers) cmdFollow(ctx context.Context, req *Request) (*Reply, error) {
	id, _, err := needID(strings.Fields(req.Text), "follow 42")
	if err != nil {
		return nil, err
	}
	return b.follow(ctx, id, req.User)
}

// follow is the card's Follow button or `/backlog follow`.
func (b *Handlers) follow(ctx context.Context, id int64, user string) (*Reply, error) {
	added, err := b.db.Follow(ctx, id, user)
	if err != nil {
		return nil, storageErr(id, err)
	}
	if !added {
		return &Reply{Text: fmt.Sprintf("You already follow *#%d*.", id)}, nil
	}
	return &Reply{Text: fmt.Sprintf("You now follow *#%d*. I'll tell you when it is planned, shipped or declined.", id)}, nil
}

func (b *Handlers) cmdUnfollow(ctx context.Context, req *Request) (*Reply, error) {
	id, _, err := needID(strings.Fields(req.Text), "unfollow 42")
	if err != nil {
		return nil, err
	}
	removed, err := b.db.Unfollow(ctx, id, req.User)
	if err != nil {
		return nil, storageErr(id, err)
	}
	if !removed {
		return &Reply{Text: fmt.Sprintf("You were not following *#%d*.", id)}, nil
	}
	return &Reply{Text: fmt.Sprintf("You no longer follow *#%d*.", id)}, nil
}

func (b *Handlers) cmdComment(ctx context.Context, req *Request) (*Reply, error) {
	idText, text, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	id, err := parseID(idText)
	if idText == "" {
		return nil, userErrorf("Usage: `/backlog comment 42 customers ask for this weekly`")
	}
	if err != nil {
		return nil, err
	}
	text = strings.TrimSpace(backlog.CleanText(Unescape(text)))
	if text == "" {
		return nil, userErrorf("What is the comment? `/backlog comment %d customers ask for this weekly`", id)
	}
	if err := b.db.Comment(ctx, id, req.User, truncateRunes(text, 2000)); err != nil {
		return nil, storageErr(id, err)
	}
	return &Reply{Text: fmt.Sprintf("Comment added to *#%d*.", id)}, nil
}

func (b *Handlers) cmdStatus(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "change an item's status"); err != nil {
		return nil, err
	}
	args := strings.Fields(req.Text)
	id, rest, err := needID(args, "status 42 planned")
	if err != nil {
		return nil, err
	}
	if len(rest) == 0 {
		return nil, userErrorf("To which status? e.g. `/backlog status %d planned` (valid: new, triaged, planned, in_progress, shipped, declined).", id)
	}
	statusWords := 1
	if len(rest) > 1 && strings.EqualFold(rest[0], "in") && strings.EqualFold(rest[1], "progress") {
		statusWords = 2
	}
	to, err := backlog.ParseStatus(strings.Join(rest[:statusWords], " "))
	if err != nil {
		return nil, &UserError{Msg: echo(err.Error(), maxEcho) + "."}
	}
	reason := strings.TrimSpace(backlog.CleanText(Unescape(strings.Join(rest[statusWords:], " "))))
	return b.setStatus(ctx, id, req.User, to, reason)
}

// setStatus changes an item's status, with its notifications in the same
// transaction, and wakes the outbox.
func (b *Handlers) setStatus(ctx context.Context, id int64, actor string, to backlog.Status, reason string) (*Reply, error) {
	reason = truncateRunes(reason, 1000)
	it, from, err := b.db.SetStatus(ctx, id, actor, to, reason, b.changeNotifier(reason, nil))
	if err != nil {
		return nil, storageErr(id, err)
	}
	b.queue.Kick()
	text := fmt.Sprintf("*#%d* %s: %s → *%s*.", id, Escape(it.Title), from.Label(), to.Label())
	if to.Notifies() && b.cfg.NotifyMode != NotifyOff {
		text += " Everyone following it will be told."
	}
	return &Reply{Text: text}, nil
}

func (b *Handlers) cmdScore(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "score items"); err != nil {
		return nil, err
	}
	id, rest, err := needID(strings.Fields(req.Text), "score 42 reach=500 impact=2 confidence=80 effort=3")
	if err != nil {
		return nil, err
	}
	in, err := backlog.ParseScore(rest)
	if se, ok := errors.AsType[*backlog.ScoreError](err); ok {
		return nil, &UserError{Msg: scoreWords(se)}
	}
	if err != nil {
		return nil, err
	}
	it, err := b.db.SetScore(ctx, id, req.User, in)
	if err != nil {
		return nil, storageErr(id, err)
	}
	return &Reply{Text: scoreSummary(it)}, nil
}

// scoreSummary says what an item's RICE inputs and score are now.
func scoreSummary(it backlog.Item) string {
	r := it.RICE
	if r.Score == nil {
		var missing []string
		for _, p := range []struct {
			n string
			v *float64
		}{{"reach", r.Reach}, {"impact", r.Impact}, {"confidence", r.Confidence}, {"effort", r.Effort}} {
			if p.v == nil {
				missing = append(missing, p.n)
			}
		}
		return fmt.Sprintf("Saved. *#%d* gets a score once it also has %s.", it.ID, strings.Join(missing, ", "))
	}
	return fmt.Sprintf("*#%d* scores *%s* (reach %v × impact %v × confidence %v%% ÷ effort %v).",
		it.ID, scoreText(r.Score), *r.Reach, *r.Impact, *r.Confidence, *r.Effort)
}

func (b *Handlers) cmdLabel(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "label items"); err != nil {
		return nil, err
	}
	id, rest, err := needID(strings.Fields(Unescape(req.Text)), "label 42 +billing -ui")
	if err != nil {
		return nil, err
	}
	var add, remove []string
	for _, a := range rest {
		l := backlog.NormalizeLabel(strings.TrimLeft(a, "+-"))
		switch {
		case !backlog.ValidLabel(l):
			return nil, userErrorf("`%s` is not a label: use letters, digits and dashes, up to %d.", echo(a, maxEcho), backlog.MaxLabel)
		case strings.HasPrefix(a, "-"):
			remove = append(remove, l)
		default:
			add = append(add, l)
		}
	}
	if len(add)+len(remove) == 0 {
		return nil, userErrorf("Which labels? e.g. `/backlog label %d +billing -ui`", id)
	}
	it, err := b.db.SetLabels(ctx, id, req.User, add, remove)
	if err != nil {
		return nil, storageErr(id, err)
	}
	labels := "none"
	if len(it.Labels) > 0 {
		labels = Escape(strings.Join(it.Labels, ", "))
	}
	return &Reply{Text: fmt.Sprintf("*#%d* labels: %s.", id, labels)}, nil
}

func (b *Handlers) cmdAssign(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "assign items"); err != nil {
		return nil, err
	}
	id, rest, err := needID(strings.Fields(req.Text), "assign 42 @dana")
	if err != nil {
		return nil, err
	}
	user := ""
	switch {
	case len(rest) == 1 && (rest[0] == "none" || rest[0] == "-"):
	case len(rest) == 1:
		u, _, ok := leadingMention(rest[0])
		if !ok {
			return nil, userErrorf("Mention the person: `/backlog assign %d @dana` (or `none` to unassign).", id)
		}
		user = u
	default:
		return nil, userErrorf("Usage: `/backlog assign %d @dana` (or `none` to unassign).", id)
	}
	if _, err := b.db.Assign(ctx, id, req.User, user); err != nil {
		return nil, storageErr(id, err)
	}
	if user == "" {
		return &Reply{Text: fmt.Sprintf("*#%d* is unassigned.", id)}, nil
	}
	return &Reply{Text: fmt.Sprintf("*#%d* is assigned to %s.", id, userRef(user))}, nil
}

func (b *Handlers) cmdLink(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "link items to the tracker"); err != nil {
		return nil, err
	}
	id, rest, err := needID(strings.Fields(req.Text), "link 42 https://github.com/acme/app/issues/7")
	if err != nil {
		return nil, err
	}
	if len(rest) != 1 {
		return nil, userErrorf("Usage: `/backlog link %d https://github.com/acme/app/issues/7` (a GitHub or Jira issue is followed; `none` unlinks).", id)
	}
	if rest[0] == "none" || rest[0] == "-" {
		if _, err := b.db.Link(ctx, id, req.User, "", nil); err != nil {
			return nil, storageErr(id, err)
		}
		return &Reply{Text: fmt.Sprintf("*#%d* links to no tracker now.", id)}, nil
	}
	// Slack wraps links as <https://…> or <https://…|label>.
	raw := strings.TrimSuffix(strings.TrimPrefix(rest[0], "<"), ">")
	raw, _, _ = strings.Cut(raw, "|")
	raw = Unescape(raw)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || safeURL(raw) == "" {
		return nil, userErrorf("`%s` is not a web link; use the issue's https:// address.", echo(rest[0], maxEcho))
	}
	shown := safeURL(raw)
	var follow *storage.TrackerLink
	ref, ok := b.trackerRef(shown)
	if ok {
		l := followed(id, shown, ref)
		follow = &l
	}
	if _, err := b.db.Link(ctx, id, req.User, shown, follow); err != nil {
		return nil, storageErr(id, err)
	}
	text := fmt.Sprintf("*#%d* now links to %s.", id, issueLink(shown, b.trackers.hosts))
	switch {
	case ok && ref.Tracker == tracker.Jira:
		text += " Liaison follows it: as it moves to In Progress and Done, the item does too, and everyone following it is told."
	case ok:
		text += " Liaison follows it: when it is closed or merged, the item is shipped and everyone following it is told."
	default:
		if hint := b.unfollowedHint(shown); hint != "" {
			text += " " + hint
		}
	}
	return &Reply{Text: text}, nil
}

func (b *Handlers) cmdMerge(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "merge items"); err != nil {
		return nil, err
	}
	args := strings.Fields(req.Text)
	if len(args) != 3 || !strings.EqualFold(args[1], "into") {
		return nil, userErrorf("Usage: `/backlog merge 43 into 12` — #43 becomes a duplicate and its votes move to #12.")
	}
	from, err := parseID(args[0])
	if err != nil {
		return nil, err
	}
	into, err := parseID(args[2])
	if err != nil {
		return nil, err
	}
	return b.merge(ctx, from, into, req.User)
}

// merge moves from into into, telling from's followers, and says what happened.
func (b *Handlers) merge(ctx context.Context, from, into int64, actor string) (*Reply, error) {
	target, err := b.db.Item(ctx, into)
	if err != nil {
		return nil, storageErr(into, err)
	}
	if err := b.db.Merge(ctx, from, into, actor, b.changeNotifier("", &target)); err != nil {
		return nil, storageErr(from, err)
	}
	b.queue.Kick()
	target, err = b.db.Item(ctx, into)
	if err != nil {
		return nil, err
	}
	return &Reply{Text: fmt.Sprintf("Merged *#%d* into *#%d* %s — now %s. Followers of #%d will be told.",
		from, into, Escape(target.Title), votesText(target.Votes), from)}, nil
}
