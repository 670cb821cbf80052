package bot

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// DigestPost is one message of a digest: the first is the post in the
// channel, any others continue in its thread.
type DigestPost struct {
	Text   string
	Blocks []slack.Block
}

// ComposeDigest renders a digest: header, the period in loc, headline
// counts with the trend, then shipped (with who asked), newly planned,
// declined with reasons, top new requests, top open by score and items
// waiting in triage, each capped with "and N more". What does not fit in
// 50 blocks continues in thread replies. A quiet period is one line.
// With roadmapURL set, it links to the roadmap page.
func ComposeDigest(title string, d backlog.DigestData, loc *time.Location, roadmapURL string) []DigestPost {
	period := periodText(d.Start, d.End, loc)
	if d.Quiet() {
		text := fmt.Sprintf("*%s* — a quiet period (%s): nothing new, planned, shipped or declined. %d items are open.%s",
			Escape(title), period, d.Open, roadmapLink(roadmapURL, " "))
		return []DigestPost{{Text: text, Blocks: []slack.Block{mdSection(text)}}}
	}
	head := []slack.Block{
		slack.NewHeaderBlock(plain(truncateRunes("Backlog digest — "+title, maxHeaderText))),
		mdContext(period + roadmapLink(roadmapURL, " · ")),
		slack.NewSectionBlock(md(fmt.Sprintf("*New* %d%s · *Shipped* %d%s · *In progress* %d · *Open* %d",
			d.New, trend(d.New, d.PrevNew), d.Shipped, trend(d.Shipped, d.PrevShipped), d.InProgress, d.Open)), nil, nil),
	}
	var body []slack.Block
	add := func(title string, total int, entries []backlog.DigestEntry, line func(backlog.DigestEntry) string) {
		if len(entries) == 0 {
			return
		}
		lines := make([]string, 0, len(entries)+1)
		for _, e := range entries {
			lines = append(lines, "• "+line(e))
		}
		if more := total - len(entries); more > 0 {
			lines = append(lines, fmt.Sprintf("_and %d more_", more))
		}
		body = append(body, slack.NewDividerBlock())
		body = append(body, sections(fmt.Sprintf("*%s*", title), lines)...)
	}
	name := func(e backlog.DigestEntry) string {
		n := fmt.Sprintf("*#%d* %s", e.ID, Escape(e.Title))
		if u := safeURL(e.Source.Permalink); u != "" {
			n += fmt.Sprintf(" <%s|↗>", u)
		}
		return n
	}
	add("Shipped", d.Shipped, d.ShippedItems, func(e backlog.DigestEntry) string {
		return fmt.Sprintf("%s — asked for by %s", name(e), people(e.Requesters))
	})
	add("Newly planned", d.Planned, d.PlannedItems, func(e backlog.DigestEntry) string {
		return fmt.Sprintf("%s — %s", name(e), people(e.Requesters))
	})
	add("Declined", d.Declined, d.DeclinedItems, func(e backlog.DigestEntry) string {
		if e.Reason == "" {
			return name(e)
		}
		return fmt.Sprintf("%s — %s", name(e), Escape(truncateRunes(e.Reason, 300)))
	})
	add("Top new requests", d.New, d.TopNew, func(e backlog.DigestEntry) string {
		return fmt.Sprintf("%s — %s", name(e), votesText(e.Votes))
	})
	add("Top open by score", len(d.TopOpen), d.TopOpen, func(e backlog.DigestEntry) string {
		return fmt.Sprintf("%s — score %s, %s", name(e), scoreText(e.RICE.Score), votesText(e.Votes))
	})
	add("Waiting in triage", d.Waiting, d.WaitingItems, func(e backlog.DigestEntry) string {
		return fmt.Sprintf("%s — since %s", name(e), e.CreatedAt.In(loc).Format("2 Jan"))
	})
	return split(title, period, head, body)
}

// split packs blocks into posts of at most maxMessageBlocks, the first starting
// with head and keeping room to say the digest goes on in its thread.
func split(title, period string, head, body []slack.Block) []DigestPost {
	fallback := fmt.Sprintf("Backlog digest — %s (%s)", Escape(title), period)
	posts := []DigestPost{{Text: fallback, Blocks: head}}
	for _, b := range body {
		last := &posts[len(posts)-1]
		limit := maxMessageBlocks
		if len(posts) == 1 {
			limit-- // room for "More in the thread."
		}
		if len(last.Blocks) >= limit {
			posts = append(posts, DigestPost{Text: fallback + " (continued)",
				Blocks: []slack.Block{mdContext("Continued")}})
			last = &posts[len(posts)-1]
		}
		last.Blocks = append(last.Blocks, b)
	}
	if len(posts) > 1 {
		posts[0].Blocks = append(posts[0].Blocks, mdContext("More in the thread."))
	}
	return posts
}

// sections lays out a title and lines in as many sections as it takes to
// keep each under Slack's 3,000 characters.
func sections(title string, lines []string) []slack.Block {
	var out []slack.Block
	text := title
	for _, l := range lines {
		if utf8.RuneCountInString(text)+1+utf8.RuneCountInString(l) > maxSectionText {
			out = append(out, mdSection(text))
			text = ""
		}
		if text != "" {
			text += "\n"
		}
		text += cutMarkup(l, maxSectionText)
	}
	return append(out, mdSection(text))
}

// trend is " (+3)", " (−2)" or "" against the previous period.
func trend(now, before int) string {
	switch {
	case now > before:
		return fmt.Sprintf(" (+%d)", now-before)
	case now < before:
		return fmt.Sprintf(" (−%d)", before-now)
	}
	return ""
}

// people is "1 person" or "3 people".
func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

// periodText is "23 Nov – 30 Nov 2026, 09:00 (Europe/Berlin)".
func periodText(start, end time.Time, loc *time.Location) string {
	s, e := start.In(loc), end.In(loc)
	return fmt.Sprintf("%s – %s (%s)", s.Format("2 Jan 15:04"), e.Format("2 Jan 2006 15:04"), loc.String())
}

// DigestText renders digest posts as plain text, for `liaison digest preview`.
func DigestText(posts []DigestPost) string {
	var b strings.Builder
	for i, p := range posts {
		if i > 0 {
			b.WriteString("\n--- continued in the thread ---\n")
		}
		b.WriteString(BlocksText(p.Blocks))
	}
	return b.String()
}
