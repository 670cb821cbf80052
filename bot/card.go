package bot

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Action ids of the item card's controls.
const (
	actionStatus = "item_status"
	actionEffort = "item_effort"
)

func md(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// scoreText is "266.67" or "—".
func scoreText(s *float64) string {
	if s == nil {
		return "—"
	}
	return strconv.FormatFloat(*s, 'f', -1, 64)
}

// listLine is one item in a list: "*#42* Dark mode — Feature request · planned · 3 votes · score 120".
func listLine(it backlog.Item) string {
	line := fmt.Sprintf("*#%d* %s — %s · %s · %s", it.ID, Escape(it.Title), strings.ToLower(kindLabel(it.Kind)), it.Status.Label(), votesText(it.Votes))
	if it.RICE.Score != nil {
		line += " · score " + scoreText(it.RICE.Score)
	}
	return line
}

// itemList renders a titled list of at most limit items in one section,
// within Slack's limits. Callers fetch limit+1 items: an extra one means
// there are more, which the list then says.
func itemList(title string, items []backlog.Item, limit int, empty string) (string, []slack.Block) {
	if len(items) == 0 {
		text := title + "\n" + empty
		return text, []slack.Block{slack.NewSectionBlock(md(text), nil, nil)}
	}
	more := len(items) > limit
	if more {
		items = items[:limit]
	}
	text := title
	for i, it := range items {
		line := "\n" + listLine(it)
		if utf8.RuneCountInString(text+line) > maxSectionText-60 {
			text += fmt.Sprintf("\n_and %d more here_", len(items)-i)
			break
		}
		text += line
	}
	if more {
		text += "\n_and more: narrow it down with a status, kind, #label or search_"
	}
	return text, []slack.Block{slack.NewSectionBlock(md(text), nil, nil)}
}

// cardView says what the item card shows besides the item.
type cardView struct {
	Followers int
	Events    []storage.Change
	Admin     bool     // show the status select
	Estimator bool     // show the S/M/L/XL effort buttons
	Sizes     []string // effort sizes in order
}

// itemCard renders an item: number, kind, title, status, votes, score,
// labels, assignee, tracker link, requester count, last change; +1 and
// Follow; for admins a status select; for estimators effort buttons.
func itemCard(it backlog.Item, v cardView) (string, []slack.Block) {
	head := fmt.Sprintf("*#%d* %s", it.ID, Escape(it.Title))
	labels := "—"
	if len(it.Labels) > 0 {
		labels = Escape(strings.Join(it.Labels, ", "))
	}
	assignee := "—"
	if it.Assignee != "" {
		assignee = userRef(it.Assignee)
	}
	tracker := "—"
	if u := safeURL(it.TrackerURL); u != "" {
		tracker = fmt.Sprintf("<%s|%s>", u, Escape(shortURL(u)))
	}
	if it.DuplicateOf != 0 {
		head += fmt.Sprintf("\n_Duplicate of *#%d*_", it.DuplicateOf)
	}
	fields := []*slack.TextBlockObject{
		md("*Kind*\n" + kindLabel(it.Kind)),
		md("*Status*\n" + it.Status.Label()),
		md("*Votes*\n" + strconv.Itoa(it.Votes)),
		md("*Score*\n" + scoreText(it.RICE.Score)),
		md("*Labels*\n" + labels),
		md("*Assignee*\n" + assignee),
		md("*Tracker*\n" + tracker),
		md("*Requesters*\n" + strconv.Itoa(v.Followers)),
	}
	blocks := []slack.Block{slack.NewSectionBlock(md(head), fields, nil)}
	if last := lastChange(it, v.Events); last != "" {
		blocks = append(blocks, slack.NewContextBlock("", md(last)))
	}
	id := strconv.FormatInt(it.ID, 10)
	elems := []slack.BlockElement{
		slack.NewButtonBlockElement(actionVote, id, plain("+1")),
		slack.NewButtonBlockElement(actionFollow, id, plain("Follow")),
	}
	if v.Admin {
		var opts []*slack.OptionBlockObject
		for _, s := range backlog.Statuses {
			if s == backlog.StatusDuplicate || s == it.Status {
				continue
			}
			opts = append(opts, slack.NewOptionBlockObject(id+":"+string(s), plain(statusOptionLabel(s)), nil))
		}
		elems = append(elems, slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Set status…"), actionStatus, opts...))
	}
	blocks = append(blocks, slack.NewActionBlock("item_card_"+id, elems...))
	if v.Estimator && len(v.Sizes) > 0 {
		var sizes []slack.BlockElement
		for _, s := range v.Sizes {
			sizes = append(sizes, slack.NewButtonBlockElement(actionEffort+"_"+s, id+":"+s, plain("Effort "+s)))
		}
		blocks = append(blocks, slack.NewActionBlock("item_effort_"+id, sizes...))
	}
	text := fmt.Sprintf("#%d %s — %s, %s", it.ID, Escape(it.Title), it.Status.Label(), votesText(it.Votes))
	return text, blocks
}

// statusOptionLabel is a status as a menu option.
func statusOptionLabel(s backlog.Status) string {
	l := s.Label()
	if s == backlog.StatusDeclined {
		l += " (asks for a reason)"
	}
	return strings.ToUpper(l[:1]) + l[1:]
}

// lastChange describes the latest history event: "Last change: status planned → shipped by @x, 30 Nov 2026".
func lastChange(it backlog.Item, events []storage.Change) string {
	if len(events) == 0 {
		return ""
	}
	e := events[len(events)-1]
	what := e.Type
	switch e.Type {
	case "status":
		what = fmt.Sprintf("status %s → %s", backlog.Status(e.From).Label(), backlog.Status(e.To).Label())
		if e.Note != "" {
			what += " (" + Escape(truncateRunes(e.Note, 200)) + ")"
		}
	case "created":
		what = "captured"
	case "comment":
		what = "comment: " + Escape(truncateRunes(e.Note, 200))
	case "label":
		what = "label " + Escape(e.To)
	case "score":
		what = "score " + Escape(e.To)
	}
	by := ""
	if r := userRef(e.Actor); r != "—" {
		by = " by " + r
	}
	return fmt.Sprintf("Last change: %s%s, %s", what, by, e.At.UTC().Format("2 Jan 2006"))
}

// shortURL is a link's host and path, for display.
func shortURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return truncateRunes(u, 60)
	}
	// The host is shown whole, never cut, and never userinfo in its place.
	rest := p.EscapedPath()
	if p.RawQuery != "" {
		rest += "?" + p.RawQuery
	}
	if n := max(60-len(p.Host), 20); len([]rune(rest)) > n {
		rest = truncateRunes(rest, n-1) + "…"
	}
	return p.Host + rest
}
