package bot

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

// normalizeQuestion prepares mention text for matching.
func normalizeQuestion(s string) string {
	s = strings.NewReplacer("’", "'", "‘", "'", "“", `"`, "”", `"`).Replace(strings.ToLower(Unescape(s)))
	s = strings.Join(strings.Fields(s), " ")
	return strings.TrimRight(s, "?!. ")
}

// answerQuestion answers a mention that asks about the backlog; nil when
// the text is no question it knows.
func (b *Handlers) answerQuestion(ctx context.Context, req *Request) (*Reply, error) {
	text := normalizeQuestion(req.Text)
	for _, q := range questions {
		if m := q.pattern.FindStringSubmatch(text); m != nil {
			return q.answer(b, ctx, req, m)
		}
	}
	return nil, nil
}

func askShow(b *Handlers, ctx context.Context, req *Request, m []string) (*Reply, error) {
	id, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		return nil, userErrorf("`%s` is not an item number.", echo(m[1], maxEcho))
	}
	// In a channel thread the card is public: no admin controls on it.
	return b.card(ctx, id, req.User, false)
}

func askTop(b *Handlers, ctx context.Context, req *Request, m []string) (*Reply, error) {
	return b.cmdTop(ctx, &Request{User: req.User, Text: m[1]})
}

func askSearch(b *Handlers, ctx context.Context, req *Request, m []string) (*Reply, error) {
	return b.cmdSearch(ctx, &Request{User: req.User, Text: m[1]})
}

func askPlanned(b *Handlers, ctx context.Context, req *Request, _ []string) (*Reply, error) {
	items, err := b.db.List(ctx, backlog.Filter{Status: backlog.StatusPlanned}, listSize+1)
	if err != nil {
		return nil, err
	}
	text, blocks := itemList("*Planned*, best ranked first", items, listSize, "Nothing is planned right now.")
	return &Reply{Text: text, Blocks: blocks}, nil
}

func askShipped(b *Handlers, ctx context.Context, req *Request, _ []string) (*Reply, error) {
	items, err := b.db.ChangedTo(ctx, backlog.StatusShipped, b.now().Add(-7*24*time.Hour), listSize+1)
	if err != nil {
		return nil, err
	}
	text, blocks := itemList("*Shipped in the last 7 days*", items, listSize, "Nothing shipped in the last 7 days.")
	return &Reply{Text: text, Blocks: blocks}, nil
}

func askMine(b *Handlers, ctx context.Context, req *Request, _ []string) (*Reply, error) {
	items, err := b.db.List(ctx, backlog.Filter{Mine: req.User}, listSize+1)
	if err != nil {
		return nil, err
	}
	text, blocks := itemList(fmt.Sprintf("*Requests of %s* (reported or followed)", userRef(req.User)), items, listSize,
		"You have no requests yet. Capture one with `/feedback`.")
	return &Reply{Text: text, Blocks: blocks}, nil
}
