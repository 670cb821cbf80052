package bot

import (
	"context"
	"regexp"
	"strings"

	"github.com/liaisonbot/liaison/tracker"
)

// Slash commands Liaison answers (declared in the app manifest too).
const (
	commandBacklog  = "/backlog"
	commandFeedback = "/feedback"
)

// Action ids of the buttons and selects on Liaison's messages.
const (
	actionVote           = "item_vote"       // +1; value: item id
	actionFollow         = "item_follow"     // Follow; value: item id
	actionView           = "item_view"       // View (opens the item modal); value: item id
	actionMerge          = "item_merge"      // "Same as #12"; value: "new>existing"
	actionCaptureMention = "capture_mention" // "Capture this as feedback"; value: sealed "channel ts sig"
	actionStatus         = "item_status"     // the card's status select; option value: "id:status"
	// actionEffort is a family: one button per configured size, each with
	// action id effortAction(size) (Slack wants distinct ids in a block);
	// value: "id:size".
	actionEffort = "item_effort"
	// actionFileIssue is a family too: "Create GitHub issue" and "Create
	// Jira issue", action id fileIssueAction(tracker); value: item id.
	actionFileIssue = "item_file"
)

// effortAction is the action id of the effort button for size.
func effortAction(size string) string { return actionEffort + "_" + size }

// fileIssueAction is the action id of the button that files an issue in t.
func fileIssueAction(t tracker.Name) string { return actionFileIssue + "_" + string(t) }

// Callback ids of shortcuts and modals.
const (
	shortcutCaptureMessage = "capture_message" // "Add to backlog" on a message
	shortcutNewRequest     = "new_request"     // the global "New request"
	viewCapture            = "capture_modal"   // the capture form
	viewDecline            = "decline_modal"   // the reason for a decline
)

// Block and action ids of modal inputs (each input's block and element share it).
const (
	inputTitle  = "title"
	inputBody   = "body"
	inputKind   = "kind"
	inputLabels = "labels"
	inputReason = "reason"
)

// Block id prefixes of action blocks on item messages, completed by the item id.
const (
	blockItemActions = "item_actions_"
	blockItemCard    = "item_card_"
	blockItemEffort  = "item_effort_"
)

// routes fills the router: the one place that says what answers what.
func (b *Bot) routes() {
	b.router.commands[commandBacklog] = b.backlogCommand
	b.router.commands[commandFeedback] = b.feedbackCommand

	b.router.events[KindMention] = b.mention
	b.router.events[KindDirectMessage] = b.directMessage
	b.router.events[KindReaction] = b.reaction
	b.router.events[KindUnreaction] = b.unreaction
	b.router.events[KindMessage] = b.channelMessage
	b.router.events[KindHomeOpened] = b.homeOpened

	b.router.shortcuts[shortcutCaptureMessage] = b.captureMessageShortcut
	b.router.shortcuts[shortcutNewRequest] = b.newRequestShortcut

	b.router.views[viewCapture] = b.captureSubmitted
	b.router.views[viewDecline] = b.declineSubmitted

	b.router.actions[actionVote] = b.voteButton
	b.router.actions[actionFollow] = b.followButton
	b.router.actions[actionView] = b.viewButton
	b.router.actions[actionMerge] = b.mergeButton
	b.router.actions[actionCaptureMention] = b.captureMentionButton
	b.router.actions[actionStatus] = b.statusSelected
	for size := range b.cfg.EffortSizes {
		b.router.actions[effortAction(size)] = b.effortButton
	}
	for _, t := range b.trackers.filers() {
		b.router.actions[fileIssueAction(t)] = b.fileIssueButton(t)
	}
}

// subcommand is one `/backlog` subcommand, listed in help in this order.
type subcommand struct {
	name    string
	usage   string // as typed, after "/backlog "
	summary string
	run     HandlerFunc
}

// subcommands are what `/backlog <name> …` runs; help lists them in this
// order, ★ marking those for product owners.
func (b *Handlers) subcommands() []subcommand {
	return []subcommand{
		{name: "help", usage: "help", summary: "what Liaison can do (this message)", run: b.help},
		{name: "list", usage: "list [status] [kind] [#label] [mine] [by @person]", summary: "items, best ranked first (open ones unless you name a status)", run: b.cmdList},
		{name: "top", usage: "top [N]", summary: "the N best-ranked open items (score, then votes, then age)", run: b.cmdTop},
		{name: "show", usage: "show 42", summary: "one item with its status, votes, score and last change", run: b.cmdShow},
		{name: "search", usage: "search dark mode", summary: "items whose title or details contain the words", run: b.cmdSearch},
		{name: "stats", usage: "stats", summary: "counts by status and kind, and notification health", run: b.cmdStats},
		{name: "vote", usage: "vote 42", summary: "add your +1 (you'll follow it too)", run: b.cmdVote},
		{name: "unvote", usage: "unvote 42", summary: "take your +1 back", run: b.cmdUnvote},
		{name: "follow", usage: "follow 42", summary: "hear when it is planned, shipped or declined", run: b.cmdFollow},
		{name: "unfollow", usage: "unfollow 42", summary: "stop hearing about it", run: b.cmdUnfollow},
		{name: "comment", usage: "comment 42 <text>", summary: "add a note to its history", run: b.cmdComment},
		{name: "status", usage: "status 42 <status> [reason]", summary: "★ move it (new, triaged, planned, in_progress, shipped; declined needs a reason)", run: b.cmdStatus},
		{name: "score", usage: "score 42 reach=500 impact=2 confidence=80 effort=3", summary: "★ set RICE inputs", run: b.cmdScore},
		{name: "label", usage: "label 42 +area -area", summary: "★ add or remove labels", run: b.cmdLabel},
		{name: "assign", usage: "assign 42 @person", summary: "★ set who works on it", run: b.cmdAssign},
		{name: "link", usage: "link 42 <url>", summary: "★ link its GitHub or Jira issue (followed: closing it ships the item) or any tracker URL; `none` unlinks", run: b.cmdLink},
		{name: "issue", usage: "issue 42 [github|jira]", summary: "★ file it as a GitHub or Jira issue and follow that", run: b.cmdIssue},
		{name: "merge", usage: "merge 43 into 12", summary: "★ mark a duplicate; its votes and followers move", run: b.cmdMerge},
		{name: "digest", usage: "digest list | now [#channel] | preview", summary: "scheduled status digests: see them, post one now, preview one", run: b.cmdDigest},
		{name: "digest subscribe", usage: "digest subscribe weekly mon 09:00 [#channel] [kinds] [#labels] · digest unsubscribe 3", summary: "★ schedule a digest for a channel, or stop one", run: b.cmdDigest},
	}
}

// backlogCommand routes `/backlog <subcommand> …` to its subcommand.
func (b *Handlers) backlogCommand(ctx context.Context, req *Request) (*Reply, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	name = strings.ToLower(name)
	if name == "" {
		name = "help"
	}
	for _, sc := range b.subcommands() {
		if sc.name == name {
			sub := *req
			sub.Text = strings.TrimSpace(rest)
			return sc.run(ctx, &sub)
		}
	}
	return nil, userErrorf("I don't know `/backlog %s`. Try `/backlog help` to see what works.", echo(name, maxEcho))
}

// question is one kind of thing people ask in a mention.
type question struct {
	pattern *regexp.Regexp
	answer  func(b *Handlers, ctx context.Context, req *Request, m []string) (*Reply, error)
}

// questions are what a mention may ask (answers in ask.go), matched in
// order against its text, lowercased, with curly quotes straightened and
// trailing ?!. removed. A mention that is none of these and no capture
// gets the short help.
var questions = []question{
	{regexp.MustCompile(`^(?:what(?:'s| is) the )?status (?:of|for) #?(\d+)$`), askShow},
	{regexp.MustCompile(`^(?:show )?#(\d+)$`), askShow},
	{regexp.MustCompile(`^top(?: (\d+))?$`), askTop},
	{regexp.MustCompile(`^search (?:for )?(.+)$`), askSearch},
	{regexp.MustCompile(`^(?:what(?:'s| is| are)? )?planned$`), askPlanned},
	{regexp.MustCompile(`^(?:what(?:'s| has)? )?shipped(?: this week)?$`), askShipped},
	{regexp.MustCompile(`^(?:what are )?my requests$`), askMine},
}
