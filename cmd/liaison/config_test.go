package main

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestDefaults(t *testing.T) {
	t.Chdir(t.TempDir()) // no ./config.yaml here
	cfg, err := LoadConfig("", validTokens)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("defaults with tokens do not validate: %v", err)
	}
	want := DefaultConfig()
	want.Slack.BotToken, want.Slack.AppToken = validTokens["SLACK_BOT_TOKEN"], validTokens["SLACK_APP_TOKEN"]
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("LoadConfig with no file = %+v, want %+v", cfg, want)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"storage.path", cfg.Storage.Path, "liaison.db"},
		{"http.addr", cfg.HTTP.Addr, "127.0.0.1:8080"},
		{"log.level", cfg.Log.Level, "info"},
		{"log.format", cfg.Log.Format, "auto"},
		{"timezone", cfg.Timezone, "UTC"},
		{"notify.mode", cfg.Notify.Mode, "both"},
		{"capture.max_chars", cfg.Capture.MaxChars, 10000},
		{"capture.emoji", cfg.Capture.Emoji, map[string]string{"bulb": "feature", "memo": "feedback", "bug": "bug"}},
		{"effort_sizes", cfg.EffortSizes, map[string]float64{"S": 1, "M": 2, "L": 4, "XL": 8}},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("default %s = %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestDefaultConfigFileIsReadFromWorkingDirectory(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config.yaml"), []byte("timezone: Europe/Berlin\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	cfg, err := LoadConfig("", nil)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Timezone != "Europe/Berlin" {
		t.Errorf("timezone = %q; ./config.yaml was not read", cfg.Timezone)
	}
}

func TestExplicitConfigFileMustExist(t *testing.T) {
	_, err := LoadConfig(filepath.Join(t.TempDir(), "missing.yaml"), nil)
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("LoadConfig(missing) = %v, want an error naming the file", err)
	}
}

func TestExampleConfigIsRejectedUntilItsPlaceholdersAreReplaced(t *testing.T) {
	raw, err := os.ReadFile("../../config.example.yaml")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := LoadConfig("../../config.example.yaml", validTokens)
	if err != nil {
		t.Fatalf("config.example.yaml does not load: %v", err)
	}
	want := ValidationError{
		"admins.users[0]: U0000REPLACE is a placeholder; replace it with a real member id (in Slack: the person's profile → ⋮ → Copy member ID)",
		"capture.channels[0].channel: C0FEEDREPLACE is a placeholder; replace it with a real channel id (in Slack: click the channel's name; the id is at the bottom of the About tab)",
		"digests[0].channel: C0STAKEREPLACE is a placeholder; replace it with a real channel id (in Slack: click the channel's name; the id is at the bottom of the About tab)",
	}
	for name, validate := range map[string]func() error{"Validate": cfg.Validate, "ValidateOffline": cfg.ValidateOffline} {
		if err := validate(); !reflect.DeepEqual(err, want) {
			t.Errorf("%s(config.example.yaml) = %q, want exactly the placeholders %q", name, err, want)
		}
	}
	ids := regexp.MustCompile(`\b[UCSW][0-9A-Z]*REPLACE\b`).FindAllString(string(raw), -1)
	if len(ids) != len(want) {
		t.Errorf("config.example.yaml has the placeholders %v; the test knows %d", ids, len(want))
	}

	filled := strings.NewReplacer("U0000REPLACE", "U024BE7LH", "C0FEEDREPLACE", "C024BE91L", "C0STAKEREPLACE", "C024BE92M").Replace(string(raw))
	cfg, err = LoadConfig(writeFile(t, filled), validTokens)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config.example.yaml with real ids does not validate: %v", err)
	}
	if len(cfg.Digests) != 1 || cfg.Digests[0].CatchUp != 6*time.Hour || cfg.Digests[0].Timezone != "Europe/Berlin" || cfg.Digests[0].Channel != "C024BE92M" {
		t.Errorf("example digests = %+v", cfg.Digests)
	}
	if len(cfg.Capture.Channels) != 1 || cfg.Capture.Channels[0].Mode != "all" || cfg.Capture.Channels[0].Channel != "C024BE91L" {
		t.Errorf("example channels = %+v", cfg.Capture.Channels)
	}
	if !reflect.DeepEqual(cfg.Admins.Users, []string{"U024BE7LH"}) {
		t.Errorf("example admins = %v", cfg.Admins.Users)
	}
}

func TestRunRefusesTheExampleConfigAsCopied(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	env := []string{"LIAISON_DB=" + dbPath, "SLACK_BOT_TOKEN=" + validTokens["SLACK_BOT_TOKEN"], "SLACK_APP_TOKEN=" + validTokens["SLACK_APP_TOKEN"]}
	_, stderr, code := runCLI(t, env, "run", "--config", "../../config.example.yaml")
	if code != 1 || !strings.HasPrefix(stderr, "liaison: the configuration has 3 problems:\n  admins.users[0]: U0000REPLACE is a placeholder") {
		t.Errorf("run with the example as copied: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(dbPath); err == nil {
		t.Error("run created the database before refusing the configuration")
	}
}

func TestPlaceholdersAreRejectedInEveryIDKey(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Team.Users = []string{"U0DEVREPLACE"}
	cfg.Admins.Usergroup = "S0REPLACE"
	want := ValidationError{
		"admins.usergroup: S0REPLACE is a placeholder; replace it with a real user group id (S…), or leave it empty",
		"team.users[0]: U0DEVREPLACE is a placeholder; replace it with a real member id (in Slack: the person's profile → ⋮ → Copy member ID)",
	}
	if err := cfg.ValidateOffline(); !reflect.DeepEqual(err, want) {
		t.Errorf("ValidateOffline() = %q, want %q", err, want)
	}
}

func TestYAMLOverridesDefaults(t *testing.T) {
	path := writeFile(t, `
slack:
  bot_token: xoxb-from-file
  app_token: xapp-from-file
  api_url: http://127.0.0.1:9999/api/
storage:
  path: /var/lib/liaison/l.db
http:
  addr: ""
log:
  level: debug
  format: json
timezone: America/New_York
admins:
  users: [U0ADMIN1, W0ADMIN2]
  usergroup: S0PRODUCT
team:
  users: [U0DEV]
capture:
  emoji:
    rocket: idea
  channels:
    - channel: C0FEED
      mode: prefix
  max_chars: 5000
notify:
  mode: dm
effort_sizes: {XL: 10}
digests:
  - name: weekly
    channel: C0STAKE
    schedule: "0 9 * * MON"
    kinds: [bug]
    labels: {any: [billing]}
    skip_empty: true
    chart: false
`)
	cfg, err := LoadConfig(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	if cfg.Slack.BotToken != "xoxb-from-file" || cfg.Slack.APIURL != "http://127.0.0.1:9999/api/" {
		t.Errorf("slack = %+v", cfg.Slack)
	}
	if cfg.HTTP.Addr != "" {
		t.Errorf(`http.addr = %q, want "" (off)`, cfg.HTTP.Addr)
	}
	if !reflect.DeepEqual(cfg.Capture.Emoji, map[string]string{"rocket": "idea"}) {
		t.Errorf("capture.emoji = %v; a map in the file replaces the default", cfg.Capture.Emoji)
	}
	if !reflect.DeepEqual(cfg.EffortSizes, map[string]float64{"S": 1, "M": 2, "L": 4, "XL": 10}) {
		t.Errorf("effort_sizes = %v; sizes in the file replace defaults one by one", cfg.EffortSizes)
	}
	d := cfg.Digests[0]
	if d.CatchUp != 6*time.Hour || d.TriageDays != 7 || !d.SkipEmpty || !reflect.DeepEqual(d.Labels.Any, []string{"billing"}) {
		t.Errorf("digest = %+v", d)
	}
	if subs := cfg.subscriptions(); len(subs) != 1 || !subs[0].NoChart {
		t.Errorf("chart: false did not turn the chart off: %+v", subs)
	}
	if cfg.Capture.MaxChars != 5000 || cfg.Notify.Mode != "dm" || cfg.Admins.Usergroup != "S0PRODUCT" {
		t.Errorf("cfg = %+v", cfg)
	}
}

func TestEnvironmentOverridesFile(t *testing.T) {
	path := writeFile(t, `
slack: {bot_token: xoxb-file, app_token: xapp-file, api_url: "https://file.example/api/"}
storage: {path: file.db}
http: {addr: "127.0.0.1:1"}
log: {level: warn, format: text}
trackers:
  github: {token: ghp_file, api_url: "https://ghe.file/api/v3", repo: acme/app}
  jira: {url: "https://file.atlassian.net", email: file@acme.com, token: file-token, project: PROD}
`)
	env := map[string]string{
		"LIAISON_GITHUB_TOKEN":   "ghp_env",
		"LIAISON_GITHUB_API_URL": "https://ghe.env/api/v3",
		"LIAISON_JIRA_URL":       "https://env.atlassian.net",
		"LIAISON_JIRA_EMAIL":     "env@acme.com",
		"LIAISON_JIRA_TOKEN":     "env-token",
		"SLACK_BOT_TOKEN":        "xoxb-env",
		"SLACK_APP_TOKEN":        "xapp-env",
		"LIAISON_SLACK_API_URL":  "http://127.0.0.1:2/api/",
		"LIAISON_DB":             "env.db",
		"LIAISON_HTTP_ADDR":      "",
		"LIAISON_LOG_LEVEL":      "debug",
		"LIAISON_LOG_FORMAT":     "json",
	}
	cfg, err := LoadConfig(path, env)
	if err != nil {
		t.Fatal(err)
	}
	got := []string{cfg.Slack.BotToken, cfg.Slack.AppToken, cfg.Slack.APIURL, cfg.Storage.Path, cfg.HTTP.Addr, cfg.Log.Level, cfg.Log.Format}
	want := []string{"xoxb-env", "xapp-env", "http://127.0.0.1:2/api/", "env.db", "", "debug", "json"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("after env overrides got %q, want %q", got, want)
	}
	tr := cfg.Trackers
	got = []string{tr.GitHub.Token, tr.GitHub.APIURL, tr.GitHub.Repo, tr.Jira.URL, tr.Jira.Email, tr.Jira.Token, tr.Jira.Project}
	want = []string{"ghp_env", "https://ghe.env/api/v3", "acme/app", "https://env.atlassian.net", "env@acme.com", "env-token", "PROD"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("trackers after env overrides got %q, want %q", got, want)
	}
	bc := cfg.botConfig()
	if bc.Trackers.GitHub == nil || bc.Trackers.GitHub.Token != "ghp_env" || bc.Trackers.Jira == nil || bc.Trackers.Jira.Project != "PROD" || bc.Trackers.Poll != 2*time.Minute {
		t.Errorf("bot trackers = %+v", bc.Trackers)
	}

	// Unset variables leave the file's values alone.
	cfg, err = LoadConfig(path, map[string]string{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Storage.Path != "file.db" || cfg.HTTP.Addr != "127.0.0.1:1" {
		t.Errorf("without env: storage.path %q, http.addr %q", cfg.Storage.Path, cfg.HTTP.Addr)
	}
}

func TestUnknownKeyRejected(t *testing.T) {
	tests := []struct{ yaml, want string }{
		{"slack:\n  bot_tokn: x\n", `:2: slack.bot_tokn: unknown key; did you mean bot_token? (slack takes bot_token, app_token, api_url)`},
		{"timezone: UTC\ncolour: blue\n", `:2: colour: unknown key (the top level takes slack, storage, http, log, timezone, admins, team, capture, notify, effort_sizes, digests, trackers, roadmap)`},
		{"digests:\n  - name: a\n    shedule: daily 09:00\n", `:3: digests[0].shedule: unknown key; did you mean schedule? (digests[0] takes name, channel, schedule, timezone, kinds, labels, skip_empty, catch_up, triage_days, chart)`},
		{"capture:\n  channels:\n    - channel: C0F\n    - channel: C0G\n      mod: all\n", `:5: capture.channels[1].mod: unknown key; did you mean mode?`},
		{"file: x.yaml\n", `:1: file: unknown key`}, // Config.File is not a key
	}
	for _, tt := range tests {
		_, err := LoadConfig(writeFile(t, tt.yaml), nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("LoadConfig(%q) = %v, want an error containing %q", tt.yaml, err, tt.want)
		}
	}
}

func TestYAMLTypeErrorsNameTheKey(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"a duration", "digests:\n  - name: w\n    channel: C0S\n    schedule: daily 09:00\n    catch_up: \"6 hours\"\n",
			`:5: digests[0].catch_up: "6 hours" is not a duration (example: 6h)`},
		{"a duration as a number", "digests:\n  - catch_up: 6\n", `:2: digests[0].catch_up: 6 is not a duration (example: 6h)`},
		{"a string where a list belongs", "admins:\n  users: U0ADMIN\n", `:2: admins.users: "U0ADMIN" is not a list (example: [U0123ADMIN])`},
		{"a string for the kinds", "digests:\n  - name: w\n    kinds: feature\n", `:3: digests[0].kinds: "feature" is not a list (example: [feature, bug])`},
		{"a map where a list belongs", "digests:\n  name: w\n", `:2: digests: a map is not a list (example: [{name: weekly, channel: C0123STAKE, schedule: weekly mon 09:00}])`},
		{"a number where a map belongs", "effort_sizes: 5\n", `:1: effort_sizes: 5 is not a map (example: {S: 1, M: 2, L: 4, XL: 8})`},
		{"a number for a section", "capture: 5\n", `:1: capture: 5 is not a map (example: {channels: [{channel: C0123FEED, mode: all}]})`},
		{"a list for a section", "admins: [U0A]\n", `:1: admins: a list is not a map (example: {users: [U0123ADMIN], usergroup: S0123PRODUCT})`},
		{"a word where a number belongs", "capture:\n  max_chars: lots\n", `:2: capture.max_chars: "lots" is not a whole number (example: 10000)`},
		{"a word in a map of numbers", "effort_sizes: {XL: big}\n", `:1: effort_sizes.XL: "big" is not a number (example: {S: 1, M: 2, L: 4, XL: 8})`},
		{"a list where one value belongs", "timezone: [UTC]\n", `:1: timezone: a list is not a single value (example: Europe/Berlin)`},
		{"a map in a list of ids", "team:\n  users:\n    - {id: U0A}\n", `:3: team.users[0]: a map is not a single value (example: [U0123DEV])`},
		{"a word for a switch", "digests:\n  - skip_empty: sometimes\n", `:2: digests[0].skip_empty: "sometimes" is not true or false (example: false)`},
		{"a file of one word", "hello\n", `:1: the file: "hello" is not a map`},
		{"a key twice", "timezone: UTC\nlog: {level: info}\ntimezone: Europe/Berlin\n", `:3: timezone: given twice (first on line 1); keep one`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.yaml)
			_, err := LoadConfig(path, nil)
			ve, ok := err.(ValidationError)
			if !ok || len(ve) != 1 {
				t.Fatalf("LoadConfig = %v, want exactly one problem", err)
			}
			if want := path + tt.want; ve[0] != want {
				t.Errorf("problem:\n got %s\nwant %s", ve[0], want)
			}
		})
	}
}

func TestYAMLProblemsComeAllAtOnce(t *testing.T) {
	path := writeFile(t, "timezone: [UTC]\nadmins:\n  users: U0A\n  group: S0B\ndigests:\n  - catch_up: soon\n")
	_, err := loadConfig(globals{configPath: path}, true)
	want := "the configuration has 4 problems:\n" +
		"  " + path + ":1: timezone: a list is not a single value (example: Europe/Berlin)\n" +
		"  " + path + `:3: admins.users: "U0A" is not a list (example: [U0123ADMIN])` + "\n" +
		"  " + path + ":4: admins.group: unknown key (admins takes users, usergroup)\n" +
		"  " + path + `:6: digests[0].catch_up: "soon" is not a duration (example: 6h)`
	if err == nil || err.Error() != want {
		t.Errorf("loadConfig =\n%v\nwant\n%s", err, want)
	}
}

// TestEveryConfigKeyHasAnExample keeps the examples that YAML messages give
// complete as keys are added.
func TestEveryConfigKeyHasAnExample(t *testing.T) {
	var walk func(typ reflect.Type, key string)
	walk = func(typ reflect.Type, key string) {
		for typ.Kind() == reflect.Slice || typ.Kind() == reflect.Map {
			typ = typ.Elem()
		}
		if typ.Kind() != reflect.Struct || typ == durationType {
			return
		}
		fields, names := yamlFields(typ)
		for _, name := range names {
			f := fields[name]
			if f.Tag.Get("example") == "" {
				t.Errorf("%s%s has no example tag", key, name)
			}
			walk(f.Type, key+name+".")
		}
	}
	walk(reflect.TypeFor[Config](), "")
}

func TestMalformedYAMLNamesTheFile(t *testing.T) {
	path := writeFile(t, "slack: [unclosed\n")
	_, err := LoadConfig(path, nil)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("LoadConfig(malformed) = %v, want an error naming %s", err, path)
	}
	if !strings.Contains(err.Error(), "line 1") {
		t.Errorf("LoadConfig(malformed) = %v, want an error naming line 1", err)
	}
}

func TestValidationMessages(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"missing bot token", func(c *Config) { c.Slack.BotToken = "" },
			"slack.bot_token: missing; set SLACK_BOT_TOKEN or slack.bot_token (copy the Bot User OAuth Token from OAuth & Permissions)"},
		{"missing app token", func(c *Config) { c.Slack.AppToken = "" },
			"slack.app_token: missing; set SLACK_APP_TOKEN or slack.app_token (create one under Basic Information → App-Level Tokens with the connections:write scope)"},
		{"app token in bot slot", func(c *Config) { c.Slack.BotToken = "xapp-1-secret" },
			"slack.bot_token: must start with xoxb- (copy the Bot User OAuth Token from OAuth & Permissions); this one starts with xapp-, so it may be the other token"},
		{"bad app token", func(c *Config) { c.Slack.AppToken = "secret-value" },
			"slack.app_token: must start with xapp- (create one under Basic Information → App-Level Tokens with the connections:write scope)"},
		{"token with newline", func(c *Config) { c.Slack.AppToken = "xapp-1\n" },
			"slack.app_token: contains whitespace; paste the token alone"},
		{"api url", func(c *Config) { c.Slack.APIURL = "slack.com/api" },
			`slack.api_url: "slack.com/api" is not an http(s) URL (example: https://slack.com/api/; leave empty for Slack's own)`},
		{"storage path", func(c *Config) { c.Storage.Path = "" },
			"storage.path: must not be empty (example: liaison.db, or set LIAISON_DB=/data/liaison.db)"},
		{"storage url", func(c *Config) { c.Storage.URL = "mysql://liaison:secret@db/liaison" },
			"storage.url: must be a PostgreSQL URL (example: postgres://liaison:PASSWORD@db.internal:5432/liaison, or set LIAISON_DATABASE_URL); leave empty for SQLite"},
		{"http addr", func(c *Config) { c.HTTP.Addr = "8080" },
			`http.addr: "8080" is not host:port (example: 127.0.0.1:8080; "" turns it off)`},
		{"log level", func(c *Config) { c.Log.Level = "verbose" },
			`log.level: "verbose" is not one of debug, info, warn, error (example: info)`},
		{"log format", func(c *Config) { c.Log.Format = "xml" },
			`log.format: "xml" is not one of auto, text, json (example: auto)`},
		{"timezone", func(c *Config) { c.Timezone = "Mars/Olympus" },
			`timezone: "Mars/Olympus" is not an IANA time zone (example: Europe/Berlin)`},
		{"empty timezone", func(c *Config) { c.Timezone = "" },
			`timezone: "" is not an IANA time zone (example: Europe/Berlin)`},
		{"admin id", func(c *Config) { c.Admins.Users = []string{"alice"} },
			`admins.users[0]: "alice" is not a Slack user id (example: U0123ADMIN; find it in the profile's ⋮ menu → Copy member ID)`},
		{"usergroup", func(c *Config) { c.Admins.Usergroup = "product" },
			`admins.usergroup: "product" is not a user group id (example: S0123PRODUCT)`},
		{"team id", func(c *Config) { c.Team.Users = []string{"U0OK", "@bob"} },
			`team.users[1]: "@bob" is not a Slack user id (example: U0123DEV)`},
		{"emoji name", func(c *Config) { c.Capture.Emoji = map[string]string{":bulb:": "feature"} },
			`capture.emoji: ":bulb:" is not an emoji name (example: bulb, without colons)`},
		{"emoji kind", func(c *Config) { c.Capture.Emoji = map[string]string{"bulb": "wish"} },
			`capture.emoji.bulb: "wish" is not a kind (example: feature; one of feedback, feature, bug, idea)`},
		{"channel id", func(c *Config) { c.Capture.Channels = []ChannelConfig{{Channel: "#feedback", Mode: "all"}} },
			`capture.channels[0].channel: "#feedback" is not a channel id (example: C0123FEED; find it in the channel's details)`},
		{"channel twice", func(c *Config) {
			c.Capture.Channels = []ChannelConfig{{Channel: "C0F", Mode: "all"}, {Channel: "C0F", Mode: "all"}}
		}, "capture.channels[1].channel: C0F is listed twice"},
		{"channel mode", func(c *Config) { c.Capture.Channels = []ChannelConfig{{Channel: "C0F", Mode: "some"}} },
			`capture.channels[0].mode: "some" is not all or prefix (example: all)`},
		{"channel kind", func(c *Config) { c.Capture.Channels = []ChannelConfig{{Channel: "C0F", Mode: "all", Kind: "wish"}} },
			`capture.channels[0].kind: "wish" is not a kind (example: feedback; one of feedback, feature, bug, idea)`},
		{"max chars", func(c *Config) { c.Capture.MaxChars = 0 },
			"capture.max_chars: 0 is out of range 100–40000 (example: 10000)"},
		{"notify mode", func(c *Config) { c.Notify.Mode = "email" },
			`notify.mode: "email" is not one of thread, dm, both, off (example: both)`},
		{"effort size", func(c *Config) { c.EffortSizes["M"] = 0 },
			"effort_sizes.M: 0 must be more than 0 person-weeks (example: {S: 1, M: 2, L: 4, XL: 8})"},
		{"digest name", func(c *Config) { c.Digests = []DigestConfig{{Channel: "C0S", Schedule: "daily 09:00"}} },
			"digests[0].name: must not be empty (example: weekly-stakeholders)"},
		{"digest name twice", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "C0S", Schedule: "daily 09:00"}, {Name: "w", Channel: "C0S", Schedule: "daily 09:00"}}
		}, `digests[1].name: "w" is used twice; names must be unique`},
		{"digest channel", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "stakeholders", Schedule: "daily 09:00"}}
		},
			`digests[0].channel: "stakeholders" is not a channel id (example: C0123STAKE)`},
		{"digest schedule", func(c *Config) { c.Digests = []DigestConfig{{Name: "w", Channel: "C0S"}} },
			`digests[0].schedule: must not be empty (example: "weekly mon 09:00" or "0 9 * * MON")`},
		{"digest timezone", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "C0S", Schedule: "daily 09:00", Timezone: "CEST"}}
		}, `digests[0].timezone: "CEST" is not an IANA time zone (example: Europe/Berlin)`},
		{"digest kinds", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "C0S", Schedule: "daily 09:00", Kinds: []string{"features"}}}
		}, `digests[0].kinds[0]: "features" is not a kind (example: [feature, bug])`},
		{"digest catch-up", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "C0S", Schedule: "daily 09:00", CatchUp: -time.Hour}}
		}, "digests[0].catch_up: -1h0m0s must not be negative (example: 6h)"},
		{"digest triage days", func(c *Config) {
			c.Digests = []DigestConfig{{Name: "w", Channel: "C0S", Schedule: "daily 09:00", TriageDays: -1}}
		}, "digests[0].triage_days: -1 must not be negative (example: 7)"},
		{"github repo without token", func(c *Config) { c.Trackers.GitHub.Repo = "acme/app" },
			"trackers.github.token: missing while trackers.github.repo is set; set LIAISON_GITHUB_TOKEN (a fine-grained token with Issues: read and write and Pull requests: read on the repositories)"},
		{"github token with newline", func(c *Config) { c.Trackers.GitHub.Token = "ghp_secret\n" },
			"trackers.github.token: contains whitespace; paste the token alone"},
		{"github repo", func(c *Config) { c.Trackers.GitHub.Token, c.Trackers.GitHub.Repo = "ghp_secret", "acme" },
			`trackers.github.repo: "acme" is not owner/name (example: acme/app)`},
		{"github api url", func(c *Config) { c.Trackers.GitHub.Token, c.Trackers.GitHub.APIURL = "ghp_secret", "ghe.acme.com" },
			`trackers.github.api_url: "ghe.acme.com" is not an http(s) URL (example: https://ghe.acme.com/api/v3; leave empty for github.com)`},
		{"jira without url", func(c *Config) { c.Trackers.Jira = JiraConfig{Email: "bot@acme.com", Token: "secret"} },
			"trackers.jira.url: missing; set LIAISON_JIRA_URL or trackers.jira.url to the Jira site (example: https://acme.atlassian.net)"},
		{"jira bad url", func(c *Config) {
			c.Trackers.Jira = JiraConfig{URL: "acme.atlassian.net", Email: "bot@acme.com", Token: "secret"}
		},
			`trackers.jira.url: "acme.atlassian.net" is not an http(s) URL (example: https://acme.atlassian.net)`},
		{"jira without email", func(c *Config) { c.Trackers.Jira = JiraConfig{URL: "https://acme.atlassian.net", Token: "secret"} },
			"trackers.jira.email: missing; set LIAISON_JIRA_EMAIL or trackers.jira.email to the email of the Jira account whose API token Liaison uses"},
		{"jira without token", func(c *Config) {
			c.Trackers.Jira = JiraConfig{URL: "https://acme.atlassian.net", Email: "bot@acme.com"}
		},
			"trackers.jira.token: missing; set LIAISON_JIRA_TOKEN (an API token made at id.atlassian.com → Security → API tokens, by the account of trackers.jira.email)"},
		{"jira project", func(c *Config) {
			c.Trackers.Jira = JiraConfig{URL: "https://acme.atlassian.net", Email: "bot@acme.com", Token: "secret", Project: "prod"}
		}, `trackers.jira.project: "prod" is not a project key (example: PROD; capital letters, as in PROD-12)`},
		{"github api url without token", func(c *Config) { c.Trackers.GitHub.APIURL = "https://ghe.acme.com/api/v3" },
			"trackers.github.token: missing while trackers.github.api_url is set; set LIAISON_GITHUB_TOKEN (a fine-grained token with Issues: read and write and Pull requests: read on the repositories)"},
		{"jira url with a password", func(c *Config) {
			c.Trackers.Jira = JiraConfig{URL: "https://bot:secret@acme.atlassian.net", Email: "bot@acme.com", Token: "tok"}
		}, "trackers.jira.url: has a user or password in it; remove them and give the token in its own key or environment variable"},
		{"roadmap without http", func(c *Config) { c.Roadmap.Enabled, c.HTTP.Addr = true, "" },
			"roadmap.enabled: the page is served on http.addr, which is off; set http.addr (example: 0.0.0.0:8080) or LIAISON_HTTP_ADDR"},
		{"roadmap short token", func(c *Config) { c.Roadmap.Token = "short" },
			"roadmap.token: use at least 16 letters and digits (- and _ too; no spaces, &, #, ?, +, %, / or =, which a link would change), e.g. the output of: openssl rand -hex 16"},
		{"roadmap public url", func(c *Config) { c.Roadmap.PublicURL = "roadmap.acme.com" },
			`roadmap.public_url: "roadmap.acme.com" is not an http(s) URL (example: https://roadmap.acme.com/roadmap)`},
		{"roadmap label", func(c *Config) { c.Roadmap.Labels.None = []string{strings.Repeat("x", 41)} },
			`roadmap.labels.none[0]: "` + strings.Repeat("x", 41) + `" is not a label (example: internal)`},
		{"tracker poll", func(c *Config) { c.Trackers.Poll = 5 * time.Second },
			"trackers.poll: 5s is out of range 30s–24h (example: 2m)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			cfg.Slack.BotToken, cfg.Slack.AppToken = "xoxb-ok", "xapp-ok"
			tt.mutate(&cfg)
			err := cfg.Validate()
			ve, ok := err.(ValidationError)
			if !ok || len(ve) != 1 {
				t.Fatalf("Validate() = %v, want exactly one problem", err)
			}
			if ve[0] != tt.want {
				t.Errorf("problem:\n got %s\nwant %s", ve[0], tt.want)
			}
			if strings.Contains(ve[0], "secret") {
				t.Errorf("a token value leaked into %q", ve[0])
			}
		})
	}
}

func TestValidateReportsEveryProblemAtOnce(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Log.Level = "loud"
	cfg.Notify.Mode = "pigeon"
	err := cfg.Validate()
	ve, ok := err.(ValidationError)
	if !ok || len(ve) != 4 {
		t.Fatalf("Validate() = %v, want 4 problems (two tokens, log.level, notify.mode)", err)
	}
	if got := strings.Count(err.Error(), "\n"); got != 3 {
		t.Errorf("error has %d newlines, want one line per problem", got)
	}
}

func TestValidateOfflineSkipsTokens(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.ValidateOffline(); err != nil {
		t.Errorf("ValidateOffline() without tokens = %v, want nil", err)
	}
	cfg.Log.Level = "loud"
	if err := cfg.ValidateOffline(); err == nil {
		t.Error("ValidateOffline() ignored a bad log.level")
	}
}
