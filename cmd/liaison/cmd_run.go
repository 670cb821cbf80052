package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/roadmap"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
)

var runCommand = command{
	name:    "run",
	summary: "connect to Slack and serve (Socket Mode)",
	about: `Connects to Slack over Socket Mode and serves until SIGINT or SIGTERM, then finishes the work in
flight, closes the database and exits 0. It creates the database when missing and migrates it.
A bad configuration stops it before anything starts, with one line per problem. At start-up it
logs what it runs with: the configuration file, the database, admins, monitored channels and
digest subscriptions. GET /healthz and /metrics are served on http.addr.`,
	env: []string{"SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "LIAISON_SLACK_API_URL", "LIAISON_DB",
		"LIAISON_HTTP_ADDR", "LIAISON_LOG_LEVEL", "LIAISON_LOG_FORMAT",
		"LIAISON_GITHUB_TOKEN", "LIAISON_GITHUB_API_URL", "LIAISON_JIRA_URL", "LIAISON_JIRA_EMAIL", "LIAISON_JIRA_TOKEN",
		"LIAISON_ROADMAP_TOKEN"},
	readsConfig: true,
	flags:       noFlags(cmdRun),
}

// cmdRun connects to Slack and serves until ctx ends (SIGINT/SIGTERM).
func cmdRun(ctx context.Context, g globals, _ []string) error {
	cfg, err := loadConfig(g, false)
	if err != nil {
		return err
	}
	log := newLogger(cfg.Log, g.stderr)

	db, applied, err := openStore(ctx, cfg.Storage)
	if err != nil {
		return err
	}
	defer db.Close()
	subs, err := db.Subscriptions(ctx)
	if err != nil {
		return err
	}
	logStartup(log, cfg, applied, subs)

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	b := bot.New(cfg.botConfig(), db, log, bot.NewMetrics(reg), scheduler.New(ctx, log))

	var srv *http.Server
	if cfg.HTTP.Addr != "" {
		if srv, err = startHTTP(cfg.HTTP.Addr, httpHandler(db, b, reg, log, roadmapServer(cfg, db, log)), log); err != nil {
			return err
		}
	}

	runErr := b.Run(ctx)
	stopHTTP(ctx, srv)
	if err := db.Close(); err != nil {
		log.Warn("close database", "err", err)
	}
	if runErr != nil {
		return runErr
	}
	log.Info("stopped")
	return nil
}

// logStartup says once, at info, what the bot runs with: the configuration
// file, the database, admins, monitored channels and digest subscriptions
// (the configuration's, and those made in Slack that stored holds); and
// warns when nobody is an admin. Tokens are not among them.
func logStartup(log *slog.Logger, cfg Config, migrationsApplied int, stored []storage.Subscription) {
	file := cfg.File
	if file == "" {
		file = "none: defaults and environment"
	}
	admins := append([]string{}, cfg.Admins.Users...)
	group := cfg.Admins.Usergroup
	if group == "" {
		group = "none"
	}
	channels := []string{}
	for _, c := range cfg.Capture.Channels {
		kind := c.Kind
		if kind == "" {
			kind = "feedback"
		}
		channels = append(channels, fmt.Sprintf("%s (%s, %s)", c.Channel, c.Mode, kind))
	}
	digests := []string{}
	for _, s := range cfg.subscriptions() {
		digests = append(digests, fmt.Sprintf("%s: %s, %s (%s)", s.Name, s.Channel, s.Schedule, s.Timezone))
	}
	for _, s := range stored {
		if s.Origin == "slack" {
			digests = append(digests, fmt.Sprintf("%s: %s, %s (%s; made in Slack)", s.Name, s.Channel, s.Schedule, s.Timezone))
		}
	}
	log.Info("starting",
		"config", file,
		"database", cfg.Storage.where(),
		"migrations_applied", migrationsApplied,
		"admins", admins,
		"admin_usergroup", group,
		"channels", channels,
		"digests", digests,
		"trackers", trackerSummary(cfg.Trackers))
	if len(cfg.Admins.Users) == 0 && cfg.Admins.Usergroup == "" {
		log.Warn("no admins: nobody can triage, prioritise or decide; set admins.users (member ids) or admins.usergroup")
	}
}

// trackerSummary names the trackers that are on and where they file.
func trackerSummary(t TrackersConfig) []string {
	out := []string{}
	if t.GitHub.Token != "" {
		s := "github"
		if t.GitHub.APIURL != "" {
			s += " at " + t.GitHub.APIURL
		}
		if t.GitHub.Repo != "" {
			s += ", files into " + t.GitHub.Repo
		}
		out = append(out, s)
	}
	if j := t.Jira; j.URL != "" && j.Email != "" && j.Token != "" {
		s := "jira at " + j.URL
		if j.Project != "" {
			s += ", files into " + j.Project
		}
		out = append(out, s)
	}
	return out
}

// roadmapServer is the roadmap page when roadmap.enabled, else nil.
func roadmapServer(cfg Config, db *storage.DB, log *slog.Logger) *roadmap.Server {
	rc := cfg.roadmapConfig()
	if rc == nil {
		return nil
	}
	log.Info("roadmap page on", "path", "/roadmap", "token", rc.Token != "", "public_url", cfg.Roadmap.PublicURL)
	return roadmap.New(*rc, db, log)
}
