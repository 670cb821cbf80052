package bot

// render.go is where every Block Kit message, card and modal Liaison shows
// is built (digests in render_digest.go, Slack's limits in
// render_limits.go). User text enters through Escape (mrkdwn) or as
// plain_text; handlers only choose what to show.

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/tracker"
)

// md is a mrkdwn text object; its user text must have been escaped.
func md(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

// plain is a plain_text object: raw text, never interpreted.
func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

// mdSection is a section block of mrkdwn text.
func mdSection(s string) *slack.SectionBlock { return slack.NewSectionBlock(md(s), nil, nil) }

// mdContext is a context block of mrkdwn text.
func mdContext(s string) *slack.ContextBlock { return slack.NewContextBlock("", md(s)) }

// button is a button with a plain label.
func button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, plain(label))
}

// kindLabel is a kind as people read it.
func kindLabel(k backlog.Kind) string {
	switch k {
	case backlog.KindFeature:
		return "Feature request"
	case backlog.KindBug:
		return "Bug"
	}
	return "Feedback"
}

// votesText is "1 vote" or "3 votes".
func votesText(n int) string {
	if n == 1 {
		return "1 vote"
	}
	return fmt.Sprintf("%d votes", n)
}

// itemLine is "*#42* Dark mode — 3 votes" with the title escaped.
func itemLine(it backlog.Item) string {
	return fmt.Sprintf("*#%d* %s — %s", it.ID, Escape(it.Title), votesText(it.Votes))
}

// confirmation renders the reply to a capture: the item, its buttons, and
// any similar items with a button to move the request there.
func confirmation(c *captured) (string, []slack.Block) {
	it := c.Item
	var head string
	switch {
	case c.Created:
		head = fmt.Sprintf("Captured as *#%d* · %s · %s", it.ID, kindLabel(it.Kind), it.Status.Label())
	case c.MergedFrom != 0 && c.NewVoter:
		head = fmt.Sprintf("Already tracked as *#%d* (merged into *#%d*) — added your +1 there (%s)", c.MergedFrom, it.ID, votesText(it.Votes))
	case c.MergedFrom != 0:
		head = fmt.Sprintf("Already tracked as *#%d*, merged into *#%d* · %s · %s", c.MergedFrom, it.ID, it.Status.Label(), votesText(it.Votes))
	case c.NewVoter:
		head = fmt.Sprintf("Already tracked as *#%d* — added your +1 (%s)", it.ID, votesText(it.Votes))
	default:
		head = fmt.Sprintf("Already tracked as *#%d* · %s · %s · %s", it.ID, kindLabel(it.Kind), it.Status.Label(), votesText(it.Votes))
	}
	text := head + "\n>" + Escape(it.Title)
	blocks := []slack.Block{
		mdSection(text),
		itemButtons(it.ID),
	}
	if len(c.Similar) > 0 {
		blocks = append(blocks, mdContext("This looks like what is already in the backlog. If it is the same, move your request there:"))
		for _, s := range c.Similar {
			btn := button(actionMerge, fmt.Sprintf("%d>%d", it.ID, s.ID), fmt.Sprintf("Same as #%d — move my request there", s.ID))
			blocks = append(blocks, slack.NewSectionBlock(md(itemLine(s)), nil, slack.NewAccessory(btn)))
		}
	}
	return text, blocks
}

// mergedNote is " (#5 was merged into it)" when the vote on item from
// went to it, the item from was merged into; "" otherwise.
func mergedNote(it backlog.Item, from int64) string {
	if from == it.ID {
		return ""
	}
	return fmt.Sprintf(" (#%d was merged into it)", from)
}

// votedText tells someone their +1 on item from counts, on it (from, or
// the item from was merged into).
func votedText(it backlog.Item, from int64) string {
	return fmt.Sprintf("Added your +1 to *#%d* %s%s — now %s. I'll tell you when it moves.", it.ID, Escape(it.Title), mergedNote(it, from), votesText(it.Votes))
}

// alreadyVotedText is votedText for someone whose +1 was there already.
func alreadyVotedText(it backlog.Item, from int64) string {
	return fmt.Sprintf("You have already voted for *#%d*%s (%s).", it.ID, mergedNote(it, from), votesText(it.Votes))
}

// unvotedText tells someone their vote on item id is gone.
func unvotedText(id int64) string {
	return fmt.Sprintf("Removed your vote from *#%d*. You still follow it; `/backlog unfollow %d` stops that.", id, id)
}

// itemButtons are +1, Follow and View for item id.
func itemButtons(id int64) slack.Block {
	v := fmt.Sprint(id)
	return slack.NewActionBlock(blockItemActions+v,
		button(actionVote, v, "+1"), button(actionFollow, v, "Follow"), button(actionView, v, "View"))
}

// channelRef renders a channel id as a channel link, or "that channel".
func channelRef(id string) string {
	if !IsChannelID(id) {
		return "that channel"
	}
	return "<#" + id + ">"
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
		return text, []slack.Block{mdSection(text)}
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
	return text, []slack.Block{mdSection(text)}
}

// cardView says what the item card shows besides the item.
type cardView struct {
	Followers int
	Changes   []storage.Change
	Admin     bool           // show the status select
	Estimator bool           // show the S/M/L/XL effort buttons
	Sizes     []string       // effort sizes in order
	File      []tracker.Name // trackers an admin may file the item in (it links nowhere yet)
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
	link := "—"
	if u := safeURL(it.TrackerURL); u != "" {
		link = fmt.Sprintf("<%s|%s>", u, Escape(shortURL(u)))
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
		md("*Tracker*\n" + link),
		md("*Requesters*\n" + strconv.Itoa(v.Followers)),
	}
	blocks := []slack.Block{slack.NewSectionBlock(md(head), fields, nil)}
	if last := lastChange(it, v.Changes); last != "" {
		blocks = append(blocks, mdContext(last))
	}
	id := strconv.FormatInt(it.ID, 10)
	elems := []slack.BlockElement{
		button(actionVote, id, "+1"),
		button(actionFollow, id, "Follow"),
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
		for _, t := range v.File {
			elems = append(elems, button(fileIssueAction(t), id, "Create "+t.Label()+" issue"))
		}
	}
	blocks = append(blocks, slack.NewActionBlock(blockItemCard+id, elems...))
	if v.Estimator && len(v.Sizes) > 0 {
		var sizes []slack.BlockElement
		for _, s := range v.Sizes {
			sizes = append(sizes, button(effortAction(s), id+":"+s, "Effort "+s))
		}
		blocks = append(blocks, slack.NewActionBlock(blockItemEffort+id, sizes...))
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

// lastChange describes the latest change in an item's history: "Last change: status planned → shipped by @x, 30 Nov 2026".
func lastChange(it backlog.Item, changes []storage.Change) string {
	if len(changes) == 0 {
		return ""
	}
	e := changes[len(changes)-1]
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

// itemModal shows an item's details.
func itemModal(it backlog.Item, followers int) slack.ModalViewRequest {
	labels := "—"
	if len(it.Labels) > 0 {
		labels = Escape(strings.Join(it.Labels, ", "))
	}
	fields := []*slack.TextBlockObject{
		md("*Kind*\n" + kindLabel(it.Kind)),
		md("*Status*\n" + it.Status.Label()),
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
		blocks = append(blocks, mdSection(cutMarkup(Escape(body), maxSectionText)))
	}
	ctx := fmt.Sprintf("Captured %s", it.CreatedAt.UTC().Format("2 Jan 2006"))
	if link := safeURL(it.Source.Permalink); link != "" {
		ctx += fmt.Sprintf(" · <%s|original message>", link)
	}
	blocks = append(blocks, mdContext(ctx))
	return slack.ModalViewRequest{
		Type:   slack.VTModal,
		Title:  plain(fmt.Sprintf("Request #%d", it.ID)),
		Close:  plain("Close"),
		Blocks: slack.Blocks{BlockSet: blocks},
	}
}

// userRef renders a Slack user id as a mention, or "—" for anything else.
func userRef(id string) string {
	if !IsUserID(id) {
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

// captureModal is the capture form: title, details, kind, labels.
func captureModal(meta captureMeta, sealed, title, body string, kind backlog.Kind, similar []backlog.Item) slack.ModalViewRequest {
	titleInput := slack.NewPlainTextInputBlockElement(plain("Dark mode for reports"), inputTitle)
	titleInput.MaxLength = backlog.MaxTitle
	titleInput.InitialValue = title

	bodyInput := slack.NewPlainTextInputBlockElement(plain("What is needed, for whom, and why"), inputBody)
	bodyInput.Multiline = true
	bodyInput.MaxLength = maxInputText
	bodyInput.InitialValue = truncateRunes(body, maxInputText)

	var options []*slack.OptionBlockObject
	var initial *slack.OptionBlockObject
	for _, k := range backlog.Kinds {
		o := slack.NewOptionBlockObject(string(k), plain(kindLabel(k)), nil)
		options = append(options, o)
		if k == kind {
			initial = o
		}
	}
	kindSelect := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Kind"), inputKind, options...)
	kindSelect.InitialOption = initial

	labelsInput := slack.NewPlainTextInputBlockElement(plain("reports, billing"), inputLabels)
	labelsInput.MaxLength = 200

	bodyBlock := slack.NewInputBlock(inputBody, plain("Details"), nil, bodyInput)
	bodyBlock.Optional = true
	labelsBlock := slack.NewInputBlock(inputLabels, plain("Labels"), plain("Product areas, separated by commas"), labelsInput)
	labelsBlock.Optional = true

	blocks := []slack.Block{
		slack.NewInputBlock(inputTitle, plain("Title"), nil, titleInput),
		bodyBlock,
		slack.NewInputBlock(inputKind, plain("Kind"), nil, kindSelect),
		labelsBlock,
	}
	if meta.Cut {
		blocks = append(blocks, mdContext(fmt.Sprintf(
			"The message is longer than Slack lets a form hold, so the details show its first %s characters; the item links to the whole message.",
			backlog.Thousands(maxInputText))))
	}
	if len(similar) > 0 {
		lines := []string{"*Already in the backlog* — if your request is one of these, the confirmation lets you move it there:"}
		for _, s := range similar {
			lines = append(lines, itemLine(s))
		}
		blocks = append(blocks, mdContext(strings.Join(lines, "\n")))
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      viewCapture,
		Title:           plain("Add to backlog"),
		Submit:          plain("Add"),
		Close:           plain("Cancel"),
		PrivateMetadata: sealed,
		Blocks:          slack.Blocks{BlockSet: blocks},
	}
}

// declineModal asks why an item is declined; the reason goes to everyone who asked.
func declineModal(it backlog.Item, channel string) slack.ModalViewRequest {
	input := slack.NewPlainTextInputBlockElement(plain("Out of scope for this year: we focus on reporting"), inputReason)
	input.Multiline = true
	input.MaxLength = maxReasonSize
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      viewDecline,
		Title:           plain(fmt.Sprintf("Decline #%d", it.ID)),
		Submit:          plain("Decline"),
		Close:           plain("Cancel"),
		PrivateMetadata: fmt.Sprintf("%d %s", it.ID, channel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			mdSection(fmt.Sprintf("*#%d* %s", it.ID, Escape(it.Title))),
			slack.NewInputBlock(inputReason, plain("Reason"), plain("Everyone who asked for it will read this."), input),
		}},
	}
}

// mentionHelp is the short help for a mention not understood, with a
// button whose (sealed) value captures the message anyway.
func mentionHelp(value string) (string, []slack.Block) {
	text := "I didn't catch that. To capture something, start with `feature:`, `bug:` or `feedback:`; `/backlog help` lists everything I do."
	btn := button(actionCaptureMention, value, "Capture this as feedback")
	return text, []slack.Block{slack.NewSectionBlock(md(text), nil, slack.NewAccessory(btn))}
}

// roadmapLink is "<url|View the roadmap>" after sep, or "" without a
// usable url.
func roadmapLink(u, sep string) string {
	if u = safeURL(u); u == "" {
		return ""
	}
	return sep + "<" + u + "|View the roadmap>"
}

// homeData is what the App Home shows one person.
type homeData struct {
	RoadmapURL         string // the roadmap page, when it has a public address
	Mine, Top, Shipped []backlog.Item
	Admin              bool // show the triage queue and the counts
	Triage             []backlog.Item
	Stats              storage.Stats
	Outbox             storage.OutboxCounts
}

// homeTab renders the App Home: my requests, top open items, recently
// shipped, and for admins the triage queue and the backlog's counts.
func homeTab(d homeData) slack.HomeTabViewRequest {
	blocks := []slack.Block{
		slack.NewHeaderBlock(plain("Liaison")),
		mdContext("Capture with `/feedback`, a mention, a reaction or *Add to backlog* on any message. `/backlog help` lists everything." +
			roadmapLink(d.RoadmapURL, " · ")),
	}
	section := func(title string, items []backlog.Item, empty string, limit int) {
		_, bs := itemList(title, items, limit, empty)
		blocks = append(blocks, slack.NewDividerBlock())
		blocks = append(blocks, bs...)
	}
	section("*My requests* — reported or followed", d.Mine, "Nothing yet. What would make your work easier? Tell me with `/feedback`.", homeMine)
	section("*Top open items*", d.Top, "The backlog is empty.", homeTop)
	section("*Recently shipped*", d.Shipped, "Nothing shipped in the last 30 days.", homeShipped)
	if d.Admin {
		var counts []string
		for _, s := range backlog.Statuses {
			if n := d.Stats.ByStatus[s]; n > 0 {
				counts = append(counts, fmt.Sprintf("%s %d", s.Label(), n))
			}
		}
		section(fmt.Sprintf("*Triage queue* — %d new, oldest first", d.Stats.ByStatus[backlog.StatusNew]), d.Triage, "Nothing waits for triage.", homeTriage)
		summary := "All items: " + strings.Join(counts, " · ")
		if d.Outbox.Dead > 0 {
			summary += fmt.Sprintf(" · %d notifications failed for good (see the log)", d.Outbox.Dead)
		}
		blocks = append(blocks, mdContext(summary))
	}
	return slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: blocks}}
}

// changeTexts are the thread reply and the DM announcing an item's new state.
func changeTexts(it backlog.Item, reason string, into *backlog.Item) (thread, dm string) {
	name := fmt.Sprintf("*#%d* %s", it.ID, Escape(it.Title))
	switch {
	case it.Status == backlog.StatusDuplicate && into != nil:
		target := fmt.Sprintf("*#%d* %s", into.ID, Escape(into.Title))
		thread = fmt.Sprintf("%s was merged into %s. Votes and followers moved there.", name, target)
		dm = fmt.Sprintf("%s, which you follow, was merged into %s. Your vote moved there and you'll hear about it from now on.", name, target)
	case it.Status == backlog.StatusPlanned:
		thread = fmt.Sprintf("%s is now *planned*.", name)
		dm = fmt.Sprintf("Good news: %s, which you follow, is now *planned*.", name)
	case it.Status == backlog.StatusInProgress:
		thread = fmt.Sprintf("Work has started on %s.", name)
		dm = fmt.Sprintf("Work has started on %s, which you follow.", name)
	case it.Status == backlog.StatusShipped:
		thread = fmt.Sprintf("%s has *shipped* :tada:", name)
		dm = fmt.Sprintf("%s, which you follow, has *shipped* :tada:", name)
	case it.Status == backlog.StatusDeclined:
		thread = fmt.Sprintf("%s was *declined*: %s", name, Escape(reason))
		dm = fmt.Sprintf("%s, which you follow, was *declined*: %s", name, Escape(reason))
	default:
		thread = fmt.Sprintf("%s is now *%s*.", name, it.Status.Label())
		dm = thread
	}
	return thread, dm
}
