package main

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/roadmap"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/tracker"
)

// Config is the whole configuration, shaped exactly like config.example.yaml.
// Each key's example tag is the example a message about that key gives.
type Config struct {
	Slack       SlackConfig        `yaml:"slack" example:"{bot_token: xoxb-…, app_token: xapp-…}"`
	Storage     StorageConfig      `yaml:"storage" example:"{path: /data/liaison.db}"`
	HTTP        HTTPConfig         `yaml:"http" example:"{addr: 127.0.0.1:8080}"`
	Log         LogConfig          `yaml:"log" example:"{level: info, format: auto}"`
	Timezone    string             `yaml:"timezone" example:"Europe/Berlin"`
	Admins      AdminsConfig       `yaml:"admins" example:"{users: [U0123ADMIN], usergroup: S0123PRODUCT}"`
	Team        TeamConfig         `yaml:"team" example:"{users: [U0123DEV]}"`
	Capture     CaptureConfig      `yaml:"capture" example:"{channels: [{channel: C0123FEED, mode: all}]}"`
	Notify      NotifyConfig       `yaml:"notify" example:"{mode: both}"`
	EffortSizes map[string]float64 `yaml:"effort_sizes" example:"{S: 1, M: 2, L: 4, XL: 8}"`
	Digests     []DigestConfig     `yaml:"digests" example:"[{name: weekly, channel: C0123STAKE, schedule: weekly mon 09:00}]"`
	Trackers    TrackersConfig     `yaml:"trackers" example:"{github: {repo: acme/app}, poll: 2m}"`
	Roadmap     RoadmapConfig      `yaml:"roadmap" example:"{enabled: true, public_url: https://roadmap.acme.com/roadmap}"`

	// File is the absolute path of the file read, or "" when none was.
	File string `yaml:"-"`
}

// SlackConfig holds the two tokens and the Web API base URL.
type SlackConfig struct {
	BotToken string `yaml:"bot_token" example:"xoxb-…"`
	AppToken string `yaml:"app_token" example:"xapp-…"`
	APIURL   string `yaml:"api_url" example:"https://slack.com/api/"`
}

// StorageConfig says where the data lives: the SQLite file, or, with URL
// set, a PostgreSQL database several replicas share (SPEC §15).
type StorageConfig struct {
	Path string `yaml:"path" example:"/data/liaison.db"`
	URL  string `yaml:"url" example:"postgres://liaison@db.internal:5432/liaison"`
}

// where names the database for messages: the SQLite file, or the
// PostgreSQL URL without its password.
func (s StorageConfig) where() string {
	if s.URL != "" {
		return storage.RedactURL(s.URL)
	}
	return absPath(s.Path)
}

// HTTPConfig is the health and metrics listener; an empty Addr turns it off.
type HTTPConfig struct {
	Addr string `yaml:"addr" example:"127.0.0.1:8080"`
}

// LogConfig sets the log level and format.
type LogConfig struct {
	Level  string `yaml:"level" example:"info"`
	Format string `yaml:"format" example:"auto"`
}

// AdminsConfig names the product owners: user ids and/or a user group.
type AdminsConfig struct {
	Users     []string `yaml:"users" example:"[U0123ADMIN]"`
	Usergroup string   `yaml:"usergroup" example:"S0123PRODUCT"`
}

// TeamConfig names the developers who may give effort estimates.
type TeamConfig struct {
	Users []string `yaml:"users" example:"[U0123DEV]"`
}

// CaptureConfig maps reactions to kinds and lists monitored channels.
type CaptureConfig struct {
	Emoji    map[string]string `yaml:"emoji" example:"{bulb: feature, memo: feedback}"`
	Channels []ChannelConfig   `yaml:"channels" example:"[{channel: C0123FEED, mode: all}]"`
	MaxChars int               `yaml:"max_chars" example:"10000"`
}

// ChannelConfig is one monitored channel.
type ChannelConfig struct {
	Channel string `yaml:"channel" example:"C0123FEED"`
	Mode    string `yaml:"mode" example:"all"`
	Kind    string `yaml:"kind" example:"feedback"`
	Threads bool   `yaml:"threads" example:"true"` // human thread replies too, each its own item
}

// NotifyConfig says where follow-up notifications go.
type NotifyConfig struct {
	Mode string `yaml:"mode" example:"both"`
}

// DigestConfig is one scheduled digest subscription.
type DigestConfig struct {
	Name       string        `yaml:"name" example:"weekly-stakeholders"`
	Channel    string        `yaml:"channel" example:"C0123STAKE"`
	Schedule   string        `yaml:"schedule" example:"\"weekly mon 09:00\""`
	Timezone   string        `yaml:"timezone" example:"Europe/Berlin"`
	Kinds      []string      `yaml:"kinds" example:"[feature, bug]"`
	Labels     LabelFilter   `yaml:"labels" example:"{any: [billing], none: [internal]}"`
	SkipEmpty  bool          `yaml:"skip_empty" example:"false"`
	CatchUp    time.Duration `yaml:"catch_up" example:"6h"`
	TriageDays int           `yaml:"triage_days" example:"7"`
	Chart      *bool         `yaml:"chart" example:"true"` // nil: on
}

// LabelFilter selects items by label: any of, all of, none of.
type LabelFilter struct {
	Any  []string `yaml:"any" example:"[billing, mobile]"`
	All  []string `yaml:"all" example:"[billing]"`
	None []string `yaml:"none" example:"[internal]"`
}

// RoadmapConfig is the roadmap page (SPEC §13).
type RoadmapConfig struct {
	Enabled        bool        `yaml:"enabled" example:"true"`
	Title          string      `yaml:"title" example:"Product roadmap"`
	PublicURL      string      `yaml:"public_url" example:"https://roadmap.acme.com/roadmap"`
	Token          string      `yaml:"token" example:"a-long-random-string"`
	Labels         LabelFilter `yaml:"labels" example:"{none: [internal]}"`
	ShowRequesters bool        `yaml:"show_requesters" example:"false"`
}

// TrackersConfig is where linked issues are followed and new ones filed (SPEC §12).
type TrackersConfig struct {
	GitHub GitHubConfig  `yaml:"github" example:"{repo: acme/app}"`
	Jira   JiraConfig    `yaml:"jira" example:"{url: https://acme.atlassian.net, email: bot@acme.com, project: PROD}"`
	Poll   time.Duration `yaml:"poll" example:"2m"`
}

// GitHubConfig is GitHub: on when a token is set.
type GitHubConfig struct {
	Token  string `yaml:"token" example:"github_pat_…"`
	APIURL string `yaml:"api_url" example:"https://ghe.acme.com/api/v3"`
	Repo   string `yaml:"repo" example:"acme/app"`
}

// JiraConfig is Jira Cloud: on when the site, email and token are set.
type JiraConfig struct {
	URL     string `yaml:"url" example:"https://acme.atlassian.net"`
	Email   string `yaml:"email" example:"bot@acme.com"`
	Token   string `yaml:"token" example:"ATATT…"`
	Project string `yaml:"project" example:"PROD"`
}

// DefaultConfig is the configuration before any file or environment is read.
func DefaultConfig() Config {
	return Config{
		Storage:  StorageConfig{Path: "liaison.db"},
		HTTP:     HTTPConfig{Addr: "127.0.0.1:8080"},
		Log:      LogConfig{Level: "info", Format: "auto"},
		Timezone: backlog.DefaultTimezone,
		Capture: CaptureConfig{
			Emoji:    map[string]string{"bulb": "feature", "memo": "feedback", "bug": "bug"},
			MaxChars: backlog.DefaultMaxBody,
		},
		Notify:      NotifyConfig{Mode: bot.NotifyBoth},
		EffortSizes: map[string]float64{"S": 1, "M": 2, "L": 4, "XL": 8},
		Trackers:    TrackersConfig{Poll: bot.DefaultTrackerPoll},
		Roadmap:     RoadmapConfig{Title: "Product roadmap", Labels: LabelFilter{None: []string{"internal"}}},
	}
}

// defaultConfigPath is read when --config is not given, if it exists.
const defaultConfigPath = "config.yaml"

// LoadConfig builds the configuration: defaults, then the YAML file (path, or
// ./config.yaml when path is empty and that file exists), then the environment.
// It does not validate; call Validate.
func LoadConfig(path string, env map[string]string) (Config, error) {
	cfg := DefaultConfig()
	explicit := path != ""
	if !explicit {
		path = defaultConfigPath
	}
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		if err := decodeConfig(path, b, &cfg); err != nil {
			return Config{}, err
		}
		cfg.File = absPath(path)
	case errors.Is(err, os.ErrNotExist) && !explicit:
		// No file: defaults and environment only.
	default:
		return Config{}, fmt.Errorf("read config: %w", err)
	}
	cfg.applyEnv(env)
	return cfg, nil
}

// loadConfig reads and validates the configuration of a command; offline
// commands (those that never talk to Slack) skip the token checks.
func loadConfig(g globals, offline bool) (Config, error) {
	cfg, err := LoadConfig(g.configPath, g.env)
	if err == nil {
		if offline {
			err = cfg.ValidateOffline()
		} else {
			err = cfg.Validate()
		}
	}
	var ve ValidationError
	switch {
	case errors.As(err, &ve):
		noun := "problems"
		if len(ve) == 1 {
			noun = "problem"
		}
		return Config{}, fmt.Errorf("the configuration has %d %s:\n  %s", len(ve), noun, strings.Join(ve, "\n  "))
	case err != nil:
		return Config{}, err
	}
	return cfg, nil
}

// applyDigestDefaults fills per-digest defaults the file left out.
func applyDigestDefaults(cfg *Config) {
	for i := range cfg.Digests {
		d := &cfg.Digests[i]
		if d.CatchUp == 0 {
			d.CatchUp = backlog.DefaultCatchUp
		}
		if d.TriageDays == 0 {
			d.TriageDays = backlog.DefaultTriageDays
		}
	}
}

// applyEnv lets the environment of SPEC §8 override the file. A variable that
// is set wins even when empty (LIAISON_HTTP_ADDR="" turns the listener off).
func (cfg *Config) applyEnv(env map[string]string) {
	set := func(dst *string, key string) {
		if v, ok := env[key]; ok {
			*dst = v
		}
	}
	set(&cfg.Slack.BotToken, "SLACK_BOT_TOKEN")
	set(&cfg.Slack.AppToken, "SLACK_APP_TOKEN")
	set(&cfg.Slack.APIURL, "LIAISON_SLACK_API_URL")
	set(&cfg.Storage.Path, "LIAISON_DB")
	set(&cfg.Storage.URL, "LIAISON_DATABASE_URL")
	set(&cfg.HTTP.Addr, "LIAISON_HTTP_ADDR")
	set(&cfg.Log.Level, "LIAISON_LOG_LEVEL")
	set(&cfg.Log.Format, "LIAISON_LOG_FORMAT")
	set(&cfg.Trackers.GitHub.Token, "LIAISON_GITHUB_TOKEN")
	set(&cfg.Trackers.GitHub.APIURL, "LIAISON_GITHUB_API_URL")
	set(&cfg.Trackers.Jira.URL, "LIAISON_JIRA_URL")
	set(&cfg.Trackers.Jira.Email, "LIAISON_JIRA_EMAIL")
	set(&cfg.Trackers.Jira.Token, "LIAISON_JIRA_TOKEN")
	set(&cfg.Roadmap.Token, "LIAISON_ROADMAP_TOKEN")
}

// Slack id shapes: users (U…, W… on Enterprise Grid), channels, user groups.
var (
	emojiName = regexp.MustCompile(`^[a-z0-9_+'-]+$`)
)

// Where to find the ids a placeholder stands for, in Slack.
const (
	findMemberID  = "in Slack: the person's profile → ⋮ → Copy member ID"
	findChannelID = "in Slack: click the channel's name; the id is at the bottom of the About tab"
)

// isPlaceholder reports whether id is one of config.example.yaml's stand-ins
// (U0000REPLACE, C0FEEDREPLACE, …), which validation rejects until replaced:
// a copied example must not start with a fake admin or a digest for no channel.
func isPlaceholder(id string) bool { return strings.Contains(strings.ToUpper(id), "REPLACE") }

// ValidationError lists every problem with a configuration, one per line.
type ValidationError []string

func (e ValidationError) Error() string { return strings.Join(e, "\n") }

// Validate checks the whole configuration and reports every problem at once,
// each naming its key and giving an example. Token values never appear.
func (cfg *Config) Validate() error { return cfg.validate(true) }

// ValidateOffline is Validate for subcommands that never talk to Slack
// (migrate, export, …): the tokens are not checked.
func (cfg *Config) ValidateOffline() error { return cfg.validate(false) }

func (cfg *Config) validate(slack bool) error {
	var p ValidationError
	add := func(format string, args ...any) { p = append(p, fmt.Sprintf(format, args...)) }

	if slack {
		validateToken(&p, "slack.bot_token", "SLACK_BOT_TOKEN", cfg.Slack.BotToken, "xoxb-",
			"copy the Bot User OAuth Token from OAuth & Permissions")
		validateToken(&p, "slack.app_token", "SLACK_APP_TOKEN", cfg.Slack.AppToken, "xapp-",
			"create one under Basic Information → App-Level Tokens with the connections:write scope")
	}
	if u := cfg.Slack.APIURL; u != "" {
		checkURL(&p, "slack.api_url", u, "https://slack.com/api/; leave empty for Slack's own")
	}
	if u := cfg.Storage.URL; u != "" {
		if pu, err := url.Parse(u); err != nil || (pu.Scheme != "postgres" && pu.Scheme != "postgresql") {
			add("storage.url: must be a PostgreSQL URL (example: postgres://liaison:PASSWORD@db.internal:5432/liaison, or set LIAISON_DATABASE_URL); leave empty for SQLite")
		}
	}
	if cfg.Storage.Path == "" {
		add("storage.path: must not be empty (example: liaison.db, or set LIAISON_DB=/data/liaison.db)")
	}
	if a := cfg.HTTP.Addr; a != "" {
		if _, port, err := net.SplitHostPort(a); err != nil || port == "" {
			add("http.addr: %q is not host:port (example: 127.0.0.1:8080; \"\" turns it off)", a)
		}
	}
	if !slices.Contains([]string{"debug", "info", "warn", "error"}, cfg.Log.Level) {
		add("log.level: %q is not one of debug, info, warn, error (example: info)", cfg.Log.Level)
	}
	if !slices.Contains([]string{"auto", "text", "json"}, cfg.Log.Format) {
		add("log.format: %q is not one of auto, text, json (example: auto)", cfg.Log.Format)
	}
	if _, err := time.LoadLocation(cfg.Timezone); err != nil || cfg.Timezone == "" {
		add("timezone: %q is not an IANA time zone (example: Europe/Berlin)", cfg.Timezone)
	}
	for i, u := range cfg.Admins.Users {
		if isPlaceholder(u) {
			add("admins.users[%d]: %s is a placeholder; replace it with a real member id (%s)", i, u, findMemberID)
		} else if !bot.IsUserID(u) {
			add("admins.users[%d]: %q is not a Slack user id (example: U0123ADMIN; find it in the profile's ⋮ menu → Copy member ID)", i, u)
		}
	}
	if g := cfg.Admins.Usergroup; isPlaceholder(g) {
		add("admins.usergroup: %s is a placeholder; replace it with a real user group id (S…), or leave it empty", g)
	} else if g != "" && !bot.IsUserGroupID(g) {
		add("admins.usergroup: %q is not a user group id (example: S0123PRODUCT)", g)
	}
	for i, u := range cfg.Team.Users {
		if isPlaceholder(u) {
			add("team.users[%d]: %s is a placeholder; replace it with a real member id (%s)", i, u, findMemberID)
		} else if !bot.IsUserID(u) {
			add("team.users[%d]: %q is not a Slack user id (example: U0123DEV)", i, u)
		}
	}
	for _, name := range sortedKeys(cfg.Capture.Emoji) {
		if !emojiName.MatchString(name) {
			add("capture.emoji: %q is not an emoji name (example: bulb, without colons)", name)
		}
		if _, err := backlog.ParseKind(cfg.Capture.Emoji[name]); err != nil {
			add("capture.emoji.%s: %q is not a kind (example: feature; one of feedback, feature, bug, idea)", name, cfg.Capture.Emoji[name])
		}
	}
	seenChannel := map[string]bool{}
	for i, c := range cfg.Capture.Channels {
		key := fmt.Sprintf("capture.channels[%d]", i)
		if isPlaceholder(c.Channel) {
			add("%s.channel: %s is a placeholder; replace it with a real channel id (%s)", key, c.Channel, findChannelID)
		} else if !bot.IsChannelID(c.Channel) {
			add("%s.channel: %q is not a channel id (example: C0123FEED; find it in the channel's details)", key, c.Channel)
		} else if seenChannel[c.Channel] {
			add("%s.channel: %s is listed twice", key, c.Channel)
		}
		seenChannel[c.Channel] = true
		if c.Mode != "all" && c.Mode != "prefix" {
			add("%s.mode: %q is not all or prefix (example: all)", key, c.Mode)
		}
		if c.Kind != "" {
			if _, err := backlog.ParseKind(c.Kind); err != nil {
				add("%s.kind: %q is not a kind (example: feedback; one of feedback, feature, bug, idea)", key, c.Kind)
			}
		}
	}
	if m := cfg.Capture.MaxChars; m < 100 || m > 40000 {
		add("capture.max_chars: %d is out of range 100–40000 (example: %d)", m, backlog.DefaultMaxBody)
	}
	if !slices.Contains(bot.NotifyModes, cfg.Notify.Mode) {
		add("notify.mode: %q is not one of %s (example: %s)", cfg.Notify.Mode, strings.Join(bot.NotifyModes, ", "), bot.NotifyBoth)
	}
	for _, size := range sortedKeys(cfg.EffortSizes) {
		if w := cfg.EffortSizes[size]; !(w > 0) {
			add("effort_sizes.%s: %v must be more than 0 person-weeks (example: {S: 1, M: 2, L: 4, XL: 8})", size, w)
		}
	}
	seenDigest := map[string]bool{}
	for i, d := range cfg.Digests {
		key := fmt.Sprintf("digests[%d]", i)
		switch {
		case d.Name == "":
			add("%s.name: must not be empty (example: weekly-stakeholders)", key)
		case seenDigest[d.Name]:
			add("%s.name: %q is used twice; names must be unique", key, d.Name)
		}
		seenDigest[d.Name] = true
		if isPlaceholder(d.Channel) {
			add("%s.channel: %s is a placeholder; replace it with a real channel id (%s)", key, d.Channel, findChannelID)
		} else if !bot.IsChannelID(d.Channel) {
			add("%s.channel: %q is not a channel id (example: C0123STAKE)", key, d.Channel)
		}
		if strings.TrimSpace(d.Schedule) == "" {
			add("%s.schedule: must not be empty (example: \"weekly mon 09:00\" or \"0 9 * * MON\")", key)
		} else if _, err := backlog.ParseSchedule(d.Schedule, ""); err != nil {
			add("%s.schedule: %v", key, err)
		}
		if d.Timezone != "" {
			if _, err := time.LoadLocation(d.Timezone); err != nil {
				add("%s.timezone: %q is not an IANA time zone (example: Europe/Berlin)", key, d.Timezone)
			}
		}
		for j, k := range d.Kinds {
			if _, err := backlog.ParseKind(k); err != nil {
				add("%s.kinds[%d]: %q is not a kind (example: [feature, bug])", key, j, k)
			}
		}
		if d.CatchUp < 0 {
			add("%s.catch_up: %v must not be negative (example: %s)", key, d.CatchUp, shortDuration(backlog.DefaultCatchUp))
		}
		if d.TriageDays < 0 {
			add("%s.triage_days: %d must not be negative (example: %d)", key, d.TriageDays, backlog.DefaultTriageDays)
		}
	}
	validateTrackers(&p, cfg.Trackers)
	validateRoadmap(&p, cfg.Roadmap, cfg.HTTP.Addr)
	if len(p) > 0 {
		return p
	}
	return nil
}

// minRoadmapToken is the shortest roadmap.token: it guards a page on the web.
const minRoadmapToken = 16

// validateRoadmap checks roadmap:. Its token never appears.
func validateRoadmap(p *ValidationError, r RoadmapConfig, httpAddr string) {
	add := func(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }
	if r.Enabled && httpAddr == "" {
		add("roadmap.enabled: the page is served on http.addr, which is off; set http.addr (example: 0.0.0.0:8080) or LIAISON_HTTP_ADDR")
	}
	if u := r.PublicURL; u != "" {
		checkURL(p, "roadmap.public_url", u, "https://roadmap.acme.com/roadmap")
	}
	if t := r.Token; t != "" && (len(t) < minRoadmapToken || strings.ContainsAny(t, " \t\r\n&#?+%/=")) {
		add("roadmap.token: use at least %d letters and digits (- and _ too; no spaces, &, #, ?, +, %%, / or =, which a link would change), e.g. the output of: openssl rand -hex 16", minRoadmapToken)
	}
	if len([]rune(r.Title)) > 120 {
		add("roadmap.title: %d characters is too long; at most 120 (example: Product roadmap)", len([]rune(r.Title)))
	}
	for key, labels := range map[string][]string{"any": r.Labels.Any, "all": r.Labels.All, "none": r.Labels.None} {
		for i, l := range labels {
			if !backlog.ValidLabel(backlog.NormalizeLabel(l)) {
				add("roadmap.labels.%s[%d]: %q is not a label (example: internal)", key, i, l)
			}
		}
	}
}

// Bounds of trackers.poll: more often would spend the trackers' rate
// limits for nothing; less often, nobody hears for a day.
const (
	minTrackerPoll = 30 * time.Second
	maxTrackerPoll = 24 * time.Hour
)

// validateTrackers checks trackers: a tracker is on when its token is set,
// and then everything it needs must be there too. Tokens never appear.
func validateTrackers(p *ValidationError, t TrackersConfig) {
	add := func(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }
	gh := t.GitHub
	switch {
	case gh.Token == "" && (gh.Repo != "" || gh.APIURL != ""):
		set := "trackers.github.repo"
		if gh.Repo == "" {
			set = "trackers.github.api_url"
		}
		add("trackers.github.token: missing while %s is set; set LIAISON_GITHUB_TOKEN (a fine-grained token with Issues: read and write and Pull requests: read on the repositories)", set)
	case strings.ContainsAny(gh.Token, " \t\r\n"):
		add("trackers.github.token: contains whitespace; paste the token alone")
	}
	if gh.Repo != "" && !tracker.ValidRepo(gh.Repo) {
		add("trackers.github.repo: %q is not owner/name (example: acme/app)", gh.Repo)
	}
	if u := gh.APIURL; u != "" {
		checkURL(p, "trackers.github.api_url", u, "https://ghe.acme.com/api/v3; leave empty for github.com")
	}
	j := t.Jira
	if j.URL != "" || j.Email != "" || j.Token != "" || j.Project != "" {
		if j.URL == "" {
			add("trackers.jira.url: missing; set LIAISON_JIRA_URL or trackers.jira.url to the Jira site (example: https://acme.atlassian.net)")
		} else {
			checkURL(p, "trackers.jira.url", j.URL, "https://acme.atlassian.net")
		}
		if j.Email == "" {
			add("trackers.jira.email: missing; set LIAISON_JIRA_EMAIL or trackers.jira.email to the email of the Jira account whose API token Liaison uses")
		}
		if j.Token == "" {
			add("trackers.jira.token: missing; set LIAISON_JIRA_TOKEN (an API token made at id.atlassian.com → Security → API tokens, by the account of trackers.jira.email)")
		} else if strings.ContainsAny(j.Token, " \t\r\n") {
			add("trackers.jira.token: contains whitespace; paste the token alone")
		}
		if j.Project != "" && !tracker.ValidProject(j.Project) {
			add("trackers.jira.project: %q is not a project key (example: PROD; capital letters, as in PROD-12)", j.Project)
		}
	}
	if t.Poll < minTrackerPoll || t.Poll > maxTrackerPoll {
		add("trackers.poll: %v is out of range %s–%s (example: 2m)", t.Poll, shortDuration(minTrackerPoll), shortDuration(maxTrackerPoll))
	}
}

// checkURL adds a problem unless u, the value of key, is an absolute
// http(s) URL. A URL with a user or password in it is refused without
// being repeated: tokens belong in their own keys, which are never shown.
func checkURL(p *ValidationError, key, u, example string) {
	parsed, err := url.Parse(u)
	switch {
	case err == nil && parsed.User != nil:
		*p = append(*p, fmt.Sprintf("%s: has a user or password in it; remove them and give the token in its own key or environment variable", key))
	case err != nil || (parsed.Scheme != "http" && parsed.Scheme != "https") || parsed.Host == "":
		*p = append(*p, fmt.Sprintf("%s: %q is not an http(s) URL (example: %s)", key, u, example))
	}
}

// validateToken checks a token's presence and prefix without ever echoing it.
func validateToken(p *ValidationError, key, envName, token, prefix, how string) {
	switch {
	case token == "":
		*p = append(*p, fmt.Sprintf("%s: missing; set %s or %s (%s)", key, envName, key, how))
	case !strings.HasPrefix(token, prefix):
		hint := ""
		for _, other := range []string{"xoxb-", "xapp-", "xoxp-"} {
			if other != prefix && strings.HasPrefix(token, other) {
				hint = fmt.Sprintf("; this one starts with %s, so it may be the other token", other)
			}
		}
		*p = append(*p, fmt.Sprintf("%s: must start with %s (%s)%s", key, prefix, how, hint))
	case strings.ContainsAny(token, " \t\r\n"):
		*p = append(*p, fmt.Sprintf("%s: contains whitespace; paste the token alone", key))
	}
}

// botConfig is the part of the configuration the bot uses. Call it only on
// a validated Config: kinds were checked there.
func (cfg *Config) botConfig() bot.Config {
	bc := bot.Config{
		BotToken: cfg.Slack.BotToken,
		AppToken: cfg.Slack.AppToken,
		APIURL:   cfg.Slack.APIURL,
		MaxChars: cfg.Capture.MaxChars,
		Emoji:    map[string]backlog.Kind{},
		Channels: map[string]bot.ChannelRule{},

		Admins:      cfg.Admins.Users,
		AdminGroup:  cfg.Admins.Usergroup,
		Team:        cfg.Team.Users,
		NotifyMode:  cfg.Notify.Mode,
		EffortSizes: cfg.EffortSizes,
		Timezone:    cfg.Timezone,
		Digests:     cfg.subscriptions(),
		Trackers:    bot.TrackerConfig{Poll: cfg.Trackers.Poll},
	}
	if cfg.Roadmap.Enabled {
		bc.RoadmapURL = cfg.Roadmap.PublicURL
	}
	if gh := cfg.Trackers.GitHub; gh.Token != "" {
		bc.Trackers.GitHub = &tracker.GitHubConfig{Token: gh.Token, APIURL: gh.APIURL, Repo: gh.Repo}
	}
	if j := cfg.Trackers.Jira; j.URL != "" && j.Email != "" && j.Token != "" {
		bc.Trackers.Jira = &tracker.JiraConfig{URL: j.URL, Email: j.Email, Token: j.Token, Project: j.Project}
	}
	for name, kind := range cfg.Capture.Emoji {
		bc.Emoji[name], _ = backlog.ParseKind(kind)
	}
	for _, c := range cfg.Capture.Channels {
		kind := backlog.KindFeedback
		if c.Kind != "" {
			kind, _ = backlog.ParseKind(c.Kind)
		}
		bc.Channels[c.Channel] = bot.ChannelRule{PrefixOnly: c.Mode == "prefix", Kind: kind, Threads: c.Threads}
	}
	return bc
}

// subscriptions are the configured digests as storage keeps them; a digest
// without a zone takes the top-level one.
func (cfg *Config) subscriptions() []storage.Subscription {
	var out []storage.Subscription
	for _, d := range cfg.Digests {
		tz := d.Timezone
		if tz == "" {
			tz = cfg.Timezone
		}
		s := storage.Subscription{
			Name: d.Name, Channel: d.Channel, Schedule: d.Schedule, Timezone: tz,
			SkipEmpty: d.SkipEmpty, CatchUp: d.CatchUp, TriageDays: d.TriageDays, Origin: "config",
			NoChart: d.Chart != nil && !*d.Chart,
			Filter:  backlog.DigestFilter{Any: d.Labels.Any, All: d.Labels.All, None: d.Labels.None},
		}
		for _, k := range d.Kinds {
			kind, _ := backlog.ParseKind(k)
			s.Filter.Kinds = append(s.Filter.Kinds, kind)
		}
		out = append(out, s)
	}
	return out
}

// shortDuration writes d as the configuration file does: 2h, not 2h0m0s.
func shortDuration(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// sortedKeys returns m's keys in order, so messages come out stable.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roadmapConfig is the roadmap page's configuration, nil when it is off.
func (cfg *Config) roadmapConfig() *roadmap.Config {
	r := cfg.Roadmap
	if !r.Enabled {
		return nil
	}
	norm := func(ls []string) []string {
		var out []string
		for _, l := range ls {
			out = append(out, backlog.NormalizeLabel(l))
		}
		return out
	}
	return &roadmap.Config{
		Title: r.Title, Token: r.Token, ShowRequesters: r.ShowRequesters, Timezone: cfg.Timezone,
		Labels: backlog.DigestFilter{Any: norm(r.Labels.Any), All: norm(r.Labels.All), None: norm(r.Labels.None)},
	}
}
