package bot

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Scheduler runs the digest jobs; *scheduler.Scheduler is one.
type Scheduler interface {
	Add(name string, t Timing, job func(ctx context.Context, due time.Time) error)
	Remove(name string)
	Start()
	Stop(ctx context.Context) error
}

// Timing is when a job runs; backlog.Schedule is one.
type Timing = interface {
	Next(t time.Time) time.Time
	Prev(t time.Time) time.Time
}

// startDigests reconciles the configured subscriptions, catches up on
// periods missed while the bot was down, schedules every subscription and
// starts the scheduler.
func (b *Handlers) startDigests(ctx context.Context) error {
	if err := b.db.ReconcileSubscriptions(ctx, b.cfg.Digests); err != nil {
		return err
	}
	subs, err := b.db.Subscriptions(ctx)
	if err != nil {
		return err
	}
	checked := time.Now()
	for _, s := range subs {
		if err := b.scheduleDigest(ctx, s); err != nil {
			b.log.Error("digest subscription not scheduled", "subscription", s.Name, "err", err)
		}
	}
	b.sched.Start()
	// A due time between the catch-up check and the start belongs to
	// neither: post it now (a period already recorded is left alone).
	for _, s := range subs {
		sc, err := backlog.ParseSchedule(s.Schedule, s.Timezone)
		if err != nil {
			continue
		}
		if due := sc.Prev(time.Now()); due.After(checked) && due.After(s.CreatedAt) {
			if err := b.runDigest(ctx, s, due); err != nil {
				b.log.Error("digest due during start-up", "subscription", s.Name, "err", err)
			}
		}
	}
	return nil
}

// scheduleDigest adds a subscription to the scheduler, first posting (or
// recording as skipped) a period missed while the bot was down.
func (b *Handlers) scheduleDigest(ctx context.Context, s storage.Subscription) error {
	sc, err := backlog.ParseSchedule(s.Schedule, s.Timezone)
	if err != nil {
		return err
	}
	now := time.Now()
	due := sc.Prev(now)
	_, recorded, err := b.db.RunAt(ctx, s.ID, due)
	if err != nil {
		return err
	}
	switch backlog.CatchUp(due, s.CreatedAt, now, recorded, s.CatchUp) {
	case backlog.CatchUpPost:
		b.log.Info("posting a digest missed while down", "subscription", s.Name, "due", due)
		if err := b.runDigest(ctx, s, due); err != nil {
			b.log.Error("catch-up digest", "subscription", s.Name, "err", err)
		}
	case backlog.CatchUpSkip:
		b.log.Warn("digest missed while down, outside its catch-up window; skipped", "subscription", s.Name, "due", due, "catch_up", s.CatchUp)
		if _, err := b.db.StartRun(ctx, s.ID, due, due, storage.RunSkipped, nil); err != nil {
			return err
		}
		b.metrics.digestRuns.WithLabelValues(storage.RunSkipped).Inc()
	}
	b.sched.Add(s.Name, sc, func(ctx context.Context, due time.Time) error { return b.runDigest(ctx, s, due) })
	return nil
}

// runDigest posts subscription s's digest for the period ending at due,
// exactly once: the run is recorded with its outbox messages in one
// transaction, and a period already recorded is left alone.
func (b *Handlers) runDigest(ctx context.Context, s storage.Subscription, due time.Time) error {
	sc, err := backlog.ParseSchedule(s.Schedule, s.Timezone)
	if err != nil {
		return err
	}
	last, _, err := b.db.LastRun(ctx, s.ID) // none: a zero Run, so the first period
	if err != nil {
		return err
	}
	p := sc.DuePeriod(due, last.End)
	data, err := b.db.DigestData(ctx, s.Filter, p.PrevStart, p.Start, p.End, s.TriageDays)
	if err != nil {
		return err
	}
	if data.Quiet() && s.SkipEmpty {
		created, err := b.db.StartRun(ctx, s.ID, p.Start, due, storage.RunEmpty, nil)
		if created {
			b.metrics.digestRuns.WithLabelValues(storage.RunEmpty).Inc()
		}
		return err
	}
	key := fmt.Sprintf("digest:%d:%d", s.ID, due.Unix())
	msgs := digestMessages(key, s.Channel, ComposeDigest(digestTitle(s), data, sc.Location, b.cfg.RoadmapURL))
	if !s.NoChart {
		chart, err := b.digestChart(ctx, s, sc.Bounds(due, backlog.TrendPeriods), sc.Location)
		if err != nil {
			b.log.Warn("digest chart not drawn; the digest goes without it", "subscription", s.Name, "err", err)
		} else if chart != nil {
			// One delivery of the run, in its thread: recorded with the run,
			// so it is sent once per period like the posts.
			chart.Key, chart.Channel, chart.ThreadOf, chart.Lane = key+":chart", s.Channel, msgs[0].Key, storage.LaneDigest
			msgs = append(msgs, *chart)
		}
	}
	created, err := b.db.StartRun(ctx, s.ID, p.Start, due, storage.RunPosting, msgs)
	if err != nil {
		return err
	}
	if !created {
		b.log.Debug("digest period already recorded", "subscription", s.Name, "due", due)
		return nil
	}
	b.metrics.digestRuns.WithLabelValues(storage.RunPosting).Inc()
	b.log.Info("digest queued", "subscription", s.Name, "channel", s.Channel, "period_start", p.Start, "period_end", due)
	b.queue.Kick()
	return nil
}

// digestTitle names a subscription for people.
func digestTitle(s storage.Subscription) string {
	if s.Origin == "config" {
		return s.Name
	}
	return fmt.Sprintf("subscription %d", s.ID)
}

// digestMessages turns posts into outbox messages: the first in channel,
// the rest in its thread.
func digestMessages(key, channel string, posts []DigestPost) []storage.OutboxMessage {
	var out []storage.OutboxMessage
	for i, p := range posts {
		text, blocks := renderJSON(p.Text, p.Blocks)
		m := storage.OutboxMessage{Key: fmt.Sprintf("%s:%d", key, i), Channel: channel, Text: text, Blocks: blocks, Lane: storage.LaneDigest}
		if i > 0 {
			m.ThreadOf = out[0].Key
		}
		out = append(out, m)
	}
	return out
}

// cmdDigest is `/backlog digest list|now|preview|subscribe|unsubscribe`.
func (b *Handlers) cmdDigest(ctx context.Context, req *Request) (*Reply, error) {
	sub, rest, _ := strings.Cut(strings.TrimSpace(req.Text), " ")
	rest = strings.TrimSpace(rest)
	switch strings.ToLower(sub) {
	case "list", "":
		return b.digestList(ctx)
	case "preview":
		return b.digestPreview(ctx)
	case "now":
		return b.digestNow(ctx, req, rest)
	case "subscribe":
		return b.digestSubscribe(ctx, req, rest)
	case "unsubscribe":
		return b.digestUnsubscribe(ctx, req, rest)
	}
	return nil, userErrorf("`/backlog digest` takes list, now, preview, subscribe or unsubscribe.")
}

func (b *Handlers) digestList(ctx context.Context) (*Reply, error) {
	subs, err := b.db.Subscriptions(ctx)
	if err != nil {
		return nil, err
	}
	if len(subs) == 0 {
		return &Reply{Text: "No digests yet. A product owner can add one: `/backlog digest subscribe weekly mon 09:00 #stakeholders`"}, nil
	}
	lines := []string{"*Digests*"}
	for _, s := range subs {
		next := "not scheduled"
		if sc, err := backlog.ParseSchedule(s.Schedule, s.Timezone); err == nil {
			if n := sc.Next(time.Now()); !n.IsZero() {
				next = "next " + n.In(sc.Location).Format("Mon 2 Jan 2006 15:04 MST")
			}
		}
		lines = append(lines, fmt.Sprintf("• `%d` %s — %s, %s (%s) in %s — %s", s.ID, Escape(digestTitle(s)),
			Escape(s.Schedule), Escape(s.Timezone), s.Origin, channelRef(s.Channel), next))
	}
	text := strings.Join(lines, "\n")
	return &Reply{Text: text, Blocks: sections(lines[0], lines[1:])}, nil
}

// PreviewDigest renders the digest of the subscription called name (the
// first one when name is "", a digest of every item when there are none)
// for the period from since ago — or, when since is 0, from its last posted
// digest (or 7 days) — to now. It reads the database only: no Slack.
func PreviewDigest(ctx context.Context, db *storage.DB, name string, since time.Duration, defaultTZ, roadmapURL string) ([]DigestPost, error) {
	s, loc, p, err := previewPeriod(ctx, db, name, since, defaultTZ)
	if err != nil {
		return nil, err
	}
	data, err := db.DigestData(ctx, s.Filter, p.PrevStart, p.Start, p.End, max(s.TriageDays, 1))
	if err != nil {
		return nil, err
	}
	return ComposeDigest(digestTitle(s), data, loc, roadmapURL), nil
}

// PreviewChart draws the chart PreviewDigest's digest would carry: the
// last backlog.TrendPeriods periods as long as its own, ending now. It is
// nil, with the reason why, when the subscription has chart: false or
// there is nothing to plot.
func PreviewChart(ctx context.Context, db *storage.DB, name string, since time.Duration, defaultTZ string) (png []byte, none string, err error) {
	s, loc, p, err := previewPeriod(ctx, db, name, since, defaultTZ)
	if err != nil {
		return nil, "", err
	}
	if s.NoChart {
		return nil, fmt.Sprintf("subscription %s has chart: false", s.Name), nil
	}
	periods, err := db.Trend(ctx, s.Filter, backlog.EqualBounds(p.End, p.End.Sub(p.Start), backlog.TrendPeriods))
	if err != nil {
		return nil, "", err
	}
	if !chartHasData(periods) {
		return nil, fmt.Sprintf("nothing was opened, shipped or open in the last %d periods", backlog.TrendPeriods), nil
	}
	png, err = renderChart("Backlog trend — "+digestTitle(s), periods, loc)
	return png, "", err
}

// previewPeriod finds the subscription a preview renders and its period.
func previewPeriod(ctx context.Context, db *storage.DB, name string, since time.Duration, defaultTZ string) (storage.Subscription, *time.Location, backlog.Period, error) {
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		return storage.Subscription{}, nil, backlog.Period{}, err
	}
	s := storage.Subscription{Name: "all items", Timezone: defaultTZ, TriageDays: backlog.DefaultTriageDays, Origin: "config"}
	found := name == "" && len(subs) == 0
	for _, sub := range subs {
		if name == "" || sub.Name == name {
			s, found = sub, true
			break
		}
	}
	if !found {
		var names []string
		for _, sub := range subs {
			names = append(names, sub.Name)
		}
		return s, nil, backlog.Period{}, fmt.Errorf("no subscription %q (there are: %s)", name, strings.Join(names, ", "))
	}
	loc, err := time.LoadLocation(s.Timezone)
	if err != nil {
		loc = time.UTC
	}
	var lastEnd time.Time
	if since == 0 && s.ID != 0 {
		if last, ok, err := db.LastRun(ctx, s.ID); err == nil && ok {
			lastEnd = last.End
		}
	}
	return s, loc, backlog.PreviewPeriod(time.Now(), since, lastEnd), nil
}

func (b *Handlers) digestPreview(ctx context.Context) (*Reply, error) {
	posts, err := PreviewDigest(ctx, b.db, "", 0, b.cfg.Timezone, b.cfg.RoadmapURL)
	if err != nil {
		return nil, err
	}
	return &Reply{Text: posts[0].Text, Blocks: posts[0].Blocks}, nil
}

// digestNowEvery is how often a digest may be posted into one channel on demand.
const digestNowEvery = 10 * time.Minute

// digestNow answers `digest now`: without a channel, the digest comes to
// the person who asked, privately; into a channel it is for product owners,
// at most once per channel per digestNowEvery.
func (b *Handlers) digestNow(ctx context.Context, req *Request, rest string) (*Reply, error) {
	if rest == "" {
		return b.digestPreview(ctx)
	}
	channel, _, ok := mentionedChannel(rest)
	if !ok {
		return nil, userErrorf("Name the channel like `#stakeholders`: `/backlog digest now #stakeholders`, or leave it out to see the digest yourself.")
	}
	if err := b.requireAdmin(ctx, req.User, "post a digest into a channel (`/backlog digest now` alone shows it to you)"); err != nil {
		return nil, err
	}
	posts, err := PreviewDigest(ctx, b.db, "", 0, b.cfg.Timezone, b.cfg.RoadmapURL)
	if err != nil {
		return nil, err
	}
	prefix := fmt.Sprintf("digest-now:%s:", channel)
	msgs := digestMessages(prefix+req.EnvelopeID, channel, posts)
	last, ok, err := b.db.EnqueueUnlessRecent(ctx, prefix, digestNowEvery, msgs)
	if err != nil {
		return nil, err
	}
	if !ok {
		next := last.Add(digestNowEvery)
		return nil, userErrorf("A digest went to %s %d minutes ago; the next one can go after <!date^%d^{time}|%s>.",
			channelRef(channel), int(time.Since(last).Minutes()), next.Unix(), next.UTC().Format("15:04 UTC"))
	}
	b.queue.Kick()
	return &Reply{Text: fmt.Sprintf("Posting the digest in %s now.", channelRef(channel)),
		// Its chart is drawn after the ack and follows in the digest's thread.
		After: func(ctx context.Context) error { return b.digestNowChart(ctx, msgs[0]) }}, nil
}

// digestNowChart queues the chart of a digest posted on demand, as first,
// into its thread; a digest with nothing to plot gets none.
func (b *Handlers) digestNowChart(ctx context.Context, first storage.OutboxMessage) error {
	png, _, err := PreviewChart(ctx, b.db, "", 0, b.cfg.Timezone)
	if err != nil || png == nil {
		return err
	}
	err = b.db.Enqueue(ctx, storage.OutboxMessage{Key: first.Key + ":chart", Channel: first.Channel, ThreadOf: first.Key,
		Lane: storage.LaneDigest, Text: "Backlog trend", File: png, FileName: "backlog-trend-" + time.Now().UTC().Format("2006-01-02") + ".png"})
	if err != nil {
		return err
	}
	b.queue.Kick(first.Channel)
	return nil
}

func (b *Handlers) digestSubscribe(ctx context.Context, req *Request, rest string) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "subscribe channels to digests"); err != nil {
		return nil, err
	}
	s := storage.Subscription{Channel: req.Channel, Timezone: b.cfg.Timezone, CatchUp: backlog.DefaultCatchUp,
		TriageDays: backlog.DefaultTriageDays, CreatedBy: req.User}
	var schedule []string
	channelGiven := false
	for _, tok := range strings.Fields(rest) {
		if id, name, ok := mentionedChannel(tok); ok {
			if !channelGiven {
				s.Channel, channelGiven = id, true
				continue
			}
			// A later "#name" that Slack turned into a channel link is a label.
			if name != "" {
				s.Filter.Any = append(s.Filter.Any, backlog.NormalizeLabel(name))
				continue
			}
		}
		if strings.HasPrefix(tok, "#") && len(tok) > 1 {
			s.Filter.Any = append(s.Filter.Any, backlog.NormalizeLabel(tok))
			continue
		}
		if k, err := backlog.ParseKind(strings.TrimSuffix(strings.ToLower(tok), "s")); err == nil && len(schedule) > 0 {
			s.Filter.Kinds = append(s.Filter.Kinds, k)
			continue
		}
		schedule = append(schedule, tok)
	}
	s.Schedule = strings.Join(schedule, " ")
	sc, err := backlog.ParseSchedule(s.Schedule, s.Timezone)
	if err != nil {
		return nil, &UserError{Msg: echo(err.Error(), maxEcho)}
	}
	if s.Channel == "" {
		return nil, userErrorf("Which channel? `/backlog digest subscribe weekly mon 09:00 #stakeholders`")
	}
	s, err = b.db.AddSubscription(ctx, s)
	if err != nil {
		return nil, err
	}
	b.sched.Add(s.Name, sc, func(ctx context.Context, due time.Time) error { return b.runDigest(ctx, s, due) })
	next := sc.Next(time.Now()).In(sc.Location).Format("Mon 2 Jan 2006 15:04 MST")
	return &Reply{Text: fmt.Sprintf("Subscribed %s to digest `%d` (%s, %s). The first one posts %s.",
		channelRef(s.Channel), s.ID, Escape(sc.Spec), Escape(s.Timezone), next)}, nil
}

func (b *Handlers) digestUnsubscribe(ctx context.Context, req *Request, rest string) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "unsubscribe digests"); err != nil {
		return nil, err
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(rest, "#"), 10, 64)
	if err != nil {
		return nil, userErrorf("Which one? `/backlog digest unsubscribe 3` (`/backlog digest list` shows the numbers).")
	}
	s, err := b.db.RemoveSubscription(ctx, id)
	if errors.Is(err, storage.ErrNotFound) {
		return nil, userErrorf("There is no digest %d; `/backlog digest list` shows them.", id)
	}
	if err != nil {
		return nil, err
	}
	b.sched.Remove(s.Name)
	note := ""
	if s.Origin == "config" {
		note = " It comes from the configuration file, so it returns at the next start unless removed there."
	}
	return &Reply{Text: fmt.Sprintf("Digest `%d` for %s is unsubscribed.%s", id, channelRef(s.Channel), note)}, nil
}

// digestChart draws subscription s's trend over the periods between
// bounds as an outbox file message (its key and destination left to the
// caller); nil when there is nothing to plot.
func (b *Handlers) digestChart(ctx context.Context, s storage.Subscription, bounds []time.Time, loc *time.Location) (*storage.OutboxMessage, error) {
	periods, err := b.db.Trend(ctx, s.Filter, bounds)
	if err != nil || !chartHasData(periods) {
		return nil, err
	}
	title := "Backlog trend — " + digestTitle(s)
	png, err := renderChart(title, periods, loc)
	if err != nil {
		return nil, err
	}
	end := bounds[len(bounds)-1].In(loc)
	return &storage.OutboxMessage{Text: title, File: png,
		FileName: fmt.Sprintf("backlog-trend-%s.png", end.Format("2006-01-02"))}, nil
}
