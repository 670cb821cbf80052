package bot

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/tracker"
)

// TrackerConfig is where the issues of linked items are followed, and new
// ones filed (SPEC §12).
type TrackerConfig struct {
	GitHub *tracker.GitHubConfig // nil: GitHub is off
	Jira   *tracker.JiraConfig   // nil: Jira is off
	Poll   time.Duration         // how often; 0 means DefaultTrackerPoll
}

// Timing of the tracker poller.
const (
	// DefaultTrackerPoll is how often linked issues are checked by default.
	DefaultTrackerPoll = 2 * time.Minute
	// pollBatch bounds the links one poll asks one tracker about; the
	// rest, polled longest ago last, wait for the next poll.
	pollBatch = 1000
	// filingStart bounds the wait from claiming a filing to asking the
	// tracker (the after-ack queue may be long); later, nothing is filed.
	// filingStale is how old a claim is before another request may take
	// it over: by then its filer has filed (within filingStart plus
	// afterTimeout) or died, so two filers never both ask the tracker.
	filingStart = time.Minute
	filingStale = 2 * time.Minute
	// trackerJob is the poller's name on the scheduler.
	trackerJob = "trackers"
)

// trackers are the configured trackers' clients and what Liaison knows of
// each one's health.
type trackers struct {
	clients []tracker.Client // in tracker.Names order
	hosts   tracker.Hosts
	poll    time.Duration

	mu     sync.Mutex
	health map[tracker.Name]trackerHealth
}

// trackerHealth is a tracker's last whole-tracker problem.
type trackerHealth struct {
	problem tracker.Problem // "" when it answers
	detail  string
	since   time.Time
}

// newTrackers builds the clients of cfg; their requests are counted in metrics.
func newTrackers(cfg TrackerConfig, metrics *Metrics, now func() time.Time) (*trackers, error) {
	t := &trackers{poll: cfg.Poll, health: map[tracker.Name]trackerHealth{}}
	if t.poll <= 0 {
		t.poll = DefaultTrackerPoll
	}
	transport := func(n tracker.Name) http.RoundTripper {
		return trackerTransport{tracker: string(n), next: http.DefaultTransport, metrics: metrics}
	}
	if c := cfg.GitHub; c != nil {
		gh, err := tracker.NewGitHub(*c, transport(tracker.GitHub), now)
		if err != nil {
			return nil, err
		}
		t.clients = append(t.clients, gh)
		t.hosts.GitHub = tracker.GitHubHosts(c.APIURL)
	}
	if c := cfg.Jira; c != nil {
		t.clients = append(t.clients, tracker.NewJira(*c, transport(tracker.Jira), now))
		t.hosts.Jira = tracker.JiraHost(c.URL)
	}
	return t, nil
}

// client is the configured client of tracker n, or nil.
func (t *trackers) client(n tracker.Name) tracker.Client {
	for _, c := range t.clients {
		if c.Name() == n {
			return c
		}
	}
	return nil
}

// filers are the trackers that can file issues, in order.
func (t *trackers) filers() []tracker.Name {
	var out []tracker.Name
	for _, c := range t.clients {
		if c.Target() != "" {
			out = append(out, c.Name())
		}
	}
	return out
}

// note records how a request to tracker n went and logs a change of its
// health once: a refused token or an unreachable host is said when it
// starts and when it ends, not at every poll. A request held back by a
// rate limit changes nothing.
func (t *trackers) note(log *slog.Logger, n tracker.Name, err error, now time.Time) {
	next := trackerHealth{}
	e, ok := errors.AsType[*tracker.Error](err)
	if err != nil && !ok {
		return // not the tracker's answer (a poll cut short by shutdown)
	}
	if ok {
		if !e.Whole() {
			next = t.get(n) // a problem with one issue says nothing of the tracker
		} else {
			next = trackerHealth{problem: e.Problem, detail: e.Error()}
		}
		if e.Detail == "held back" {
			return
		}
	}
	t.mu.Lock()
	prev := t.health[n]
	if prev.problem == next.problem {
		t.mu.Unlock()
		return
	}
	next.since = now
	t.health[n] = next
	t.mu.Unlock()
	switch next.problem {
	case "":
		log.Info("tracker answers again", "tracker", n, "was", prev.problem)
	case tracker.Refused:
		log.Error("tracker refused Liaison's token; check trackers."+string(n)+" in the configuration", "tracker", n, "err", next.detail)
	default:
		log.Warn("tracker unavailable; retrying later", "tracker", n, "problem", next.problem, "err", next.detail)
	}
}

func (t *trackers) get(n tracker.Name) trackerHealth {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.health[n]
}

// every is a Timing that fires every d, on multiples of d.
type every time.Duration

func (e every) Next(t time.Time) time.Time { return t.Truncate(time.Duration(e)).Add(time.Duration(e)) }
func (e every) Prev(t time.Time) time.Time { return t.Truncate(time.Duration(e)) }

// startTrackers follows the links made before (imported, or from before
// trackers were configured) and schedules the poller, in the background:
// after an import that may be thousands of writes, and no ack waits.
func (b *Bot) startTrackers(ctx context.Context) {
	if len(b.trackers.clients) == 0 {
		return
	}
	b.inflight.Add(1)
	go func() {
		defer b.inflight.Done()
		b.followLinks(ctx)
		b.sched.Add(trackerJob, every(b.trackers.poll), b.pollTrackers)
	}()
}

// followLinks starts following every linked URL that names a followed
// tracker's issue but has no link row yet.
func (b *Handlers) followLinks(ctx context.Context) {
	links, err := b.db.UnfollowedLinks(ctx)
	if err != nil {
		b.log.Warn("read links to follow", "err", err)
		return
	}
	n := 0
	for id, u := range links {
		ref, ok := tracker.Parse(u, b.trackers.hosts)
		if !ok {
			continue
		}
		if err := b.db.FollowIssue(ctx, followed(id, u, ref)); err != nil {
			b.log.Warn("follow linked issue", "item", id, "err", err)
			continue
		}
		n++
	}
	if n > 0 {
		b.log.Info("following issues linked before", "count", n)
	}
}

// followed is the link row of item id following ref, linked as url.
func followed(id int64, url string, ref tracker.Ref) storage.TrackerLink {
	return storage.TrackerLink{Item: id, Tracker: string(ref.Tracker), Repo: ref.Repo, Number: ref.Number, Pull: ref.Pull, URL: url}
}

// pollTrackers is the poller: each tracker is asked what changed for the
// links it follows, and each change of an issue's state moves its item
// and tells its followers, as a change by hand does. A tracker's trouble
// is logged once and stops only that tracker's poll. Replicas on one
// database poll one at a time: the one holding the poller's lease, which
// lasts two polls, so it passes on when its holder stops.
func (b *Handlers) pollTrackers(ctx context.Context, _ time.Time) error {
	if held, err := b.db.TakeLease(ctx, trackerJob, 2*b.trackers.poll); err != nil || !held {
		return err
	}
	var errs []error
	for _, c := range b.trackers.clients {
		if err := b.pollTracker(ctx, c); err != nil {
			errs = append(errs, err)
		}
	}
	b.queue.Kick()
	return errors.Join(errs...)
}

// pollTracker polls one tracker. Only a database failure is returned.
func (b *Handlers) pollTracker(ctx context.Context, c tracker.Client) error {
	name := c.Name()
	rows, err := b.db.TrackerLinks(ctx, string(name), pollBatch)
	if err != nil || len(rows) == 0 {
		return err
	}
	byItem := make(map[int64]storage.TrackerLink, len(rows))
	links := make([]tracker.Link, len(rows))
	for i, r := range rows {
		byItem[r.Item] = r
		links[i] = tracker.Link{Item: r.Item, ETag: r.ETag, Seen: r.Seen, Checked: r.Checked,
			Ref: tracker.Ref{Tracker: name, Repo: r.Repo, Number: r.Number, Pull: r.Pull, URL: r.URL}}
		if r.Problem != "" {
			// Unread last time: ask for its whole state, not what changed
			// since (a change while it could not be read would be missed).
			links[i].Checked = time.Time{}
		}
	}
	obs, pollErr := c.Poll(ctx, links)
	for _, o := range obs {
		if err := b.observed(ctx, name, byItem[o.Item], o); err != nil {
			return err
		}
	}
	b.trackers.note(b.log, name, pollErr, b.now())
	return nil
}

// observed records what a poll learnt of one link, moving its item when
// the issue's state is new.
func (b *Handlers) observed(ctx context.Context, name tracker.Name, l storage.TrackerLink, o tracker.Observation) error {
	ref := tracker.Ref{Tracker: name, Repo: l.Repo, Number: l.Number, Pull: l.Pull, URL: l.URL}
	u := storage.TrackerUpdate{Item: l.Item, URL: l.URL, ETag: o.ETag, Checked: o.At}
	if o.Err != nil {
		u.Problem, u.ETag = string(o.Err.Problem), l.ETag
	}
	if o.Changed {
		u.Seen = o.State.Seen(name)
		if to, note, ok := tracker.Move(ref, o.State); ok {
			u.To, u.Note = to, note
		}
	}
	res, err := b.db.ApplyTrackerUpdate(ctx, u, b.changeNotifier(u.Note, nil))
	if err != nil {
		return err
	}
	log := b.log.With("tracker", name, "item", l.Item, "issue", ref.String())
	switch {
	case res.Unfollowed:
	case res.WasProblem != u.Problem && u.Problem != "":
		log.Warn("linked issue cannot be read; check it exists and the token can see it", "err", o.Err)
	case res.WasProblem != u.Problem:
		log.Info("linked issue can be read again")
	}
	if res.Moved {
		log.Info("item moved by its tracker issue", "from", res.From, "to", u.To)
	}
	if res.Transition != nil {
		log.Debug("tracker move not made", "err", res.Transition)
	}
	return nil
}

// trackerRef reads a link as an issue of a configured tracker.
func (b *Handlers) trackerRef(u string) (tracker.Ref, bool) {
	return tracker.Parse(u, b.trackers.hosts)
}

// cmdIssue is `/backlog issue 42 [github|jira]`: file a tracker issue.
func (b *Handlers) cmdIssue(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "file tracker issues"); err != nil {
		return nil, err
	}
	id, rest, err := needID(strings.Fields(req.Text), "issue 42 github")
	if err != nil {
		return nil, err
	}
	filers := b.trackers.filers()
	var name tracker.Name
	switch {
	case len(filers) == 0:
		return nil, userErrorf("No tracker is set up to file issues in. Whoever runs Liaison sets `trackers.github` (token and repo) or `trackers.jira` (url, email, token and project) in its configuration.")
	case len(rest) == 0 && len(filers) == 1:
		name = filers[0]
	case len(rest) == 1:
		n, ok := tracker.ParseName(rest[0])
		if !ok {
			return nil, userErrorf("`%s` is not a tracker: `/backlog issue %d %s`.", echo(rest[0], maxEcho), id, filerChoice(filers))
		}
		name = n
	default:
		return nil, userErrorf("Which tracker? `/backlog issue %d %s`.", id, filerChoice(filers))
	}
	return b.fileIssue(ctx, id, name, req.User)
}

// filerChoice is "github|jira", of the trackers that file issues.
func filerChoice(filers []tracker.Name) string {
	s := make([]string, len(filers))
	for i, f := range filers {
		s[i] = string(f)
	}
	return strings.Join(s, "|")
}

// fileIssueButton is "Create GitHub issue" / "Create Jira issue" on the
// item card; value: item id.
func (b *Handlers) fileIssueButton(name tracker.Name) HandlerFunc {
	return func(ctx context.Context, req *Request) (*Reply, error) {
		if err := b.requireAdmin(ctx, req.User, "file tracker issues"); err != nil {
			return nil, err
		}
		id, err := parseID(actionValue(req))
		if err != nil {
			return nil, err
		}
		return b.fileIssue(ctx, id, name, req.User)
	}
}

// fileIssue claims the filing of item id's issue in tracker name before
// the ack, and files it after: the tracker may take seconds. An item
// that follows an issue already is answered with it.
func (b *Handlers) fileIssue(ctx context.Context, id int64, name tracker.Name, user string) (*Reply, error) {
	c := b.trackers.client(name)
	if c == nil || c.Target() == "" {
		key := "trackers.github.repo"
		if name == tracker.Jira {
			key = "trackers.jira.project"
		}
		return nil, userErrorf("Liaison is not set up to file %s issues: whoever runs it sets `%s` (and its token) in the configuration.", name.Label(), key)
	}
	f, err := b.db.StartFiling(ctx, id, string(name), filingStale)
	if err != nil {
		return nil, storageErr(id, err)
	}
	switch {
	case f.Linked != "":
		return &Reply{Text: fmt.Sprintf("*#%d* is already tracked as %s.", id, issueLink(f.Linked, b.trackers.hosts))}, nil
	case f.Other != "":
		return nil, userErrorf("*#%d* already links to %s. To file it anyway, unlink it first: `/backlog link %d none`.", id, issueLink(f.Other, b.trackers.hosts), id)
	case f.Busy:
		return &Reply{Text: fmt.Sprintf("*#%d* is being filed right now; its link follows in a moment.", id)}, nil
	}
	claimed := b.now()
	return &Reply{
		Text:  fmt.Sprintf("Filing *#%d* in %s (%s)…", id, name.Label(), Escape(c.Target())),
		Later: func(ctx context.Context) (*Reply, error) { return b.finishFiling(ctx, c, id, user, claimed) },
	}, nil
}

// finishFiling files item id's issue with c and links the item to it,
// moving it to planned if it was new or triaged.
func (b *Handlers) finishFiling(ctx context.Context, c tracker.Client, id int64, user string, claimed time.Time) (*Reply, error) {
	name := c.Name()
	if b.now().Sub(claimed) > filingStart {
		b.abandonFiling(ctx, id)
		return nil, userErrorf("Liaison was too busy to file *#%d* just now, so nothing was filed. Please try again.", id)
	}
	issue, err := b.newIssue(ctx, id)
	if err != nil {
		b.abandonFiling(ctx, id)
		return nil, err
	}
	ref, state, err := c.Create(ctx, issue)
	b.trackers.note(b.log, name, err, b.now())
	if err != nil {
		b.abandonFiling(ctx, id)
		if e, ok := errors.AsType[*tracker.Error](err); ok {
			b.log.Warn("file tracker issue", "tracker", name, "item", id, "err", e)
			return nil, &UserError{Msg: filingWords(e, c.Target())}
		}
		return nil, err
	}
	// The issue exists now: link it even if the request's time ran out.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	l := followed(id, ref.URL, ref)
	l.Seen = state.Seen(name)
	it, moved, err := b.db.FinishFiling(lctx, id, user, l, b.changeNotifier("", nil))
	if err != nil {
		b.log.Error("tracker issue filed but not linked", "tracker", name, "item", id, "issue", ref.String(), "url", ref.URL, "err", err)
		b.abandonFiling(ctx, id)
		return nil, userErrorf("Filed *#%d* as %s, but could not link the item to it. Link it by hand: `/backlog link %d %s`",
			id, issueLink(ref.URL, b.trackers.hosts), id, Escape(ref.URL))
	}
	b.log.Info("tracker issue filed", "tracker", name, "item", id, "issue", ref.String())
	b.queue.Kick()
	text := fmt.Sprintf("Filed *#%d* %s as %s.", id, Escape(it.Title), issueLink(ref.URL, b.trackers.hosts))
	if moved {
		text += " It is now *planned*"
		if b.cfg.NotifyMode != NotifyOff {
			text += "; everyone following it will be told"
		}
		text += "."
	}
	return &Reply{Text: text}, nil
}

// abandonFiling gives up a claim, even when ctx has run out.
func (b *Handlers) abandonFiling(ctx context.Context, id int64) {
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := b.db.AbandonFiling(actx, id); err != nil {
		b.log.Warn("abandon filing", "item", id, "err", err)
	}
}

// newIssue is what an issue filed for item id says.
func (b *Handlers) newIssue(ctx context.Context, id int64) (tracker.NewIssue, error) {
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return tracker.NewIssue{}, storageErr(id, err)
	}
	links, err := b.db.SourceLinks(ctx, id, 10)
	if err != nil {
		return tracker.NewIssue{}, err
	}
	issue := tracker.NewIssue{Item: id, Kind: string(it.Kind), Title: it.Title, Text: it.Body,
		Asked: it.Votes, Labels: it.Labels, Links: links}
	if it.RICE.Score != nil {
		issue.Score = scoreText(it.RICE.Score)
	}
	return issue, nil
}

// issueLink is a link as Slack shows it: "<url|acme/app#12>" for a
// followed issue, the host and path otherwise.
func issueLink(u string, hosts tracker.Hosts) string {
	shown := safeURL(u)
	if shown == "" {
		return "that link"
	}
	label := shortURL(shown)
	if ref, ok := tracker.Parse(shown, hosts); ok {
		label = ref.String()
	}
	return fmt.Sprintf("<%s|%s>", shown, Escape(label))
}

// trackerStats is /backlog stats' line on trackers, "" when none is set up.
func (b *Handlers) trackerStats(ctx context.Context) (string, error) {
	if len(b.trackers.clients) == 0 {
		return "", nil
	}
	counts, err := b.db.TrackerStats(ctx)
	if err != nil {
		return "", err
	}
	var parts []string
	for _, c := range b.trackers.clients {
		n := c.Name()
		s := fmt.Sprintf("%s %d followed", n.Label(), counts[string(n)].Links)
		if c := counts[string(n)]; c.Problems > 0 {
			var ids []string
			for _, id := range c.Unreadable {
				ids = append(ids, fmt.Sprintf("#%d", id))
			}
			s += fmt.Sprintf(", %d unreadable (%s", c.Problems, strings.Join(ids, ", "))
			if c.Problems > len(ids) {
				s += ", …"
			}
			s += ")"
		}
		if h := b.trackers.get(n); h.problem != "" {
			s += fmt.Sprintf(", *%s* since %s (see Liaison's log)", healthWords(h.problem, n), b.localTime(h.since))
		} else {
			s += ", answering"
		}
		parts = append(parts, s)
	}
	return "*Trackers:* " + strings.Join(parts, " · "), nil
}

// unfollowedHint says why a GitHub or Jira issue URL is not followed: its
// tracker is not set up, or is set up on another host. "" for other URLs.
func (b *Handlers) unfollowedHint(u string) string {
	anywhere := tracker.Hosts{GitHub: []string{"github.com"}, Jira: tracker.JiraHost(u)}
	ref, ok := tracker.Parse(u, anywhere)
	if !ok {
		return ""
	}
	if b.trackers.client(ref.Tracker) == nil {
		return fmt.Sprintf("Liaison would follow this %s issue once whoever runs it sets up `trackers.%s`.", ref.Tracker.Label(), ref.Tracker)
	}
	return fmt.Sprintf("It is not on the %s site Liaison follows, so Liaison does not follow it.", ref.Tracker.Label())
}

// localTime writes t in the configured time zone: "1 Dec 14:02 CET".
func (b *Handlers) localTime(t time.Time) string {
	loc, err := time.LoadLocation(b.cfg.Timezone)
	if err != nil {
		loc = time.UTC
	}
	return t.In(loc).Format("2 Jan 15:04 MST")
}
