package bot

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for ownConnection
	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/storage/pgtest"
	"github.com/slack-go/slack"
)

// Channels the test configuration monitors.
const (
	feedChannel    = "C0FEED"    // mode all, kind feedback
	ideasChannel   = "C0IDEAS"   // mode prefix, kind feature
	threadsChannel = "C0THREADS" // mode all, kind feedback, thread replies too
)

// testConfig is the bot configuration the end-to-end tests run with: the
// default reactions and three monitored channels.
func testConfig(fake *slackfake.Server) Config {
	return Config{
		BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL(),
		Emoji: map[string]backlog.Kind{"bulb": backlog.KindFeature, "memo": backlog.KindFeedback, "bug": backlog.KindBug},
		Channels: map[string]ChannelRule{
			feedChannel:    {Kind: backlog.KindFeedback},
			ideasChannel:   {PrefixOnly: true, Kind: backlog.KindFeature},
			threadsChannel: {Kind: backlog.KindFeedback, Threads: true},
		},
		Admins:      []string{admin},
		AdminGroup:  adminGroup,
		Team:        []string{developer},
		NotifyMode:  "both",
		EffortSizes: map[string]float64{"S": 1, "M": 2, "L": 4, "XL": 8},
	}
}

// People with roles in the test configuration.
const (
	admin      = "U0ADMIN"
	adminGroup = "S0PRODUCT"
	developer  = "U0DEV"
)

// restart stops the bot and starts a new one on the same database and test
// Slack, as after a process restart.
func (h *harness) restart() {
	h.t.Helper()
	if err := h.stop(); err != nil {
		h.t.Fatalf("stop: %v", err)
	}
	n := h.slack.Connections()
	log := h.bot.log
	h.sched = watch(scheduler.New(context.Background(), log))
	h.bot = New(h.bot.cfg, h.db, log, nil, h.sched)
	h.bot.ackFlush = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.bot.Run(ctx) }()
	h.slack.WaitConnections(n + 1)
}

// watchedScheduler is the real scheduler, remembering what the bot has
// scheduled so a test can ask.
type watchedScheduler struct {
	*scheduler.Scheduler
	mu      sync.Mutex
	timings map[string]Timing
}

func watch(s *scheduler.Scheduler) *watchedScheduler {
	return &watchedScheduler{Scheduler: s, timings: map[string]Timing{}}
}

func (w *watchedScheduler) Add(name string, t Timing, job func(ctx context.Context, due time.Time) error) {
	w.Scheduler.Add(name, t, job)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.timings[name] = t
}

func (w *watchedScheduler) Remove(name string) {
	w.Scheduler.Remove(name)
	w.mu.Lock()
	defer w.mu.Unlock()
	delete(w.timings, name)
}

// nextRun is when the job called name runs next, and whether it is scheduled.
func (w *watchedScheduler) nextRun(name string) (time.Time, bool) {
	w.mu.Lock()
	defer w.mu.Unlock()
	t, ok := w.timings[name]
	if !ok {
		return time.Time{}, false
	}
	return t.Next(time.Now()), true
}

// syncBuffer is a log sink safe for the bot's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// harness runs a real Bot, with the real slack-go client, against slackfake
// and a SQLite file.
type harness struct {
	t     testing.TB
	slack *slackfake.Server
	db    *storage.DB
	path  string // the database file, for tests that open it themselves
	bot   *Bot
	sched *watchedScheduler
	logs  *syncBuffer

	cancel context.CancelFunc
	done   chan error
}

// onPostgres reports whether the suite runs on PostgreSQL
// (LIAISON_TEST_STORAGE=postgres, with LIAISON_TEST_DATABASE_URL), not SQLite.
func onPostgres() bool { return os.Getenv("LIAISON_TEST_STORAGE") == "postgres" }

// ownConnection opens a connection of the test's own to the harness's
// database (sqliteExtra: more DSN parameters for SQLite's file); queries
// on it number their parameters $1, $2…, which both engines read.
func (h *harness) ownConnection(t testing.TB, sqliteExtra string) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+h.path+"?_pragma=busy_timeout(5000)"+sqliteExtra
	if onPostgres() {
		driver, dsn = "pgx", h.path
	}
	conn, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// openTestDB opens a fresh, migrated database for one test: a SQLite file
// in a temporary directory, or a PostgreSQL schema of its own. It returns
// where it is (the file's path, or the schema's URL).
func openTestDB(t testing.TB) (*storage.DB, string) {
	t.Helper()
	ctx := context.Background()
	var db *storage.DB
	var where string
	var err error
	if onPostgres() {
		where = pgtest.Schema(t)
		db, err = storage.OpenPostgres(ctx, where)
	} else {
		where = filepath.Join(t.TempDir(), "liaison.db")
		db, err = storage.Open(ctx, where)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db, where
}

// newHarness builds the bot without starting it, so a test can add routes.
func newHarness(t testing.TB) *harness {
	t.Helper()
	fake := slackfake.New(t)
	db, path := openTestDB(t)
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	sched := watch(scheduler.New(context.Background(), log))
	b := New(testConfig(fake), db, log, nil, sched)
	// Most tests stop right after an ack they already saw; only the shutdown
	// tests need the full flush wait.
	b.ackFlush = 20 * time.Millisecond
	h := &harness{t: t, slack: fake, db: db, path: path, bot: b, sched: sched, logs: logs}
	t.Cleanup(func() {
		h.stop()
		for _, tok := range []string{slackfake.BotToken, slackfake.AppToken} {
			if strings.Contains(logs.String(), tok) {
				t.Errorf("a token reached the log")
			}
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	return h
}

// start runs the bot and waits for its first connection.
func (h *harness) start() *harness {
	h.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.bot.Run(ctx) }()
	h.slack.WaitConnections(1)
	return h
}

// startBot is newHarness(t).start().
func startBot(t *testing.T) *harness {
	t.Helper()
	return newHarness(t).start()
}

// startBenchBot is startBot for benchmarks, logging only warnings.
func startBenchBot(b *testing.B) *harness {
	b.Helper()
	h := newHarness(b)
	h.bot.log = slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	return h.start()
}

// stop cancels Run and returns its result (nil if it never started).
func (h *harness) stop() error {
	if h.cancel == nil {
		return nil
	}
	h.cancel()
	h.cancel = nil
	select {
	case err := <-h.done:
		return err
	case <-time.After(3 * DefaultShutdownTimeout):
		h.t.Fatal("Run did not return after its context was cancelled")
		return nil
	}
}

// ackText decodes a slash command reply carried in an ack.
func ackText(t *testing.T, a slackfake.Ack) (responseType, text string) {
	t.Helper()
	if a.Payload == nil {
		t.Fatalf("ack of %s carried no payload", a.EnvelopeID)
	}
	var p struct {
		ResponseType string `json:"response_type"`
		Text         string `json:"text"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		t.Fatalf("ack payload %s: %v", a.Payload, err)
	}
	return p.ResponseType, p.Text
}

// slash runs a slash command and returns the reply carried in its ack.
func (h *harness) slash(user, text string) string {
	h.t.Helper()
	env := h.slack.SendSlash("/backlog", text, user, "C0GENERAL")
	h.settle(env)
	_, reply := ackText(h.t.(*testing.T), h.slack.AcksFor(env.EnvelopeID)[0])
	return reply
}

// backlogFixture: #1 Dark mode (feature, BOB), #2 Login fails (bug, CAROL), #3 CSV export (feature, BOB).
func backlogFixture(t *testing.T) *harness {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode for reports", "U0BOB", "C0GENERAL"))
	h.settle(h.slack.SendSlash("/feedback", "bug: Login fails on Safari", "U0CAROL", "C0GENERAL"))
	h.settle(h.slack.SendSlash("/feedback", "feature: CSV export of dashboards", "U0BOB", "C0GENERAL"))
	return h
}

// buttonValue finds the value of the button with actionID in Block Kit JSON.
func buttonValue(t *testing.T, blocksJSON, actionID string) string {
	t.Helper()
	var blocks slack.Blocks
	if err := json.Unmarshal([]byte(blocksJSON), &blocks); err != nil {
		t.Fatalf("blocks %s: %v", blocksJSON, err)
	}
	for _, b := range blocks.BlockSet {
		switch b := b.(type) {
		case *slack.SectionBlock:
			if b.Accessory != nil && b.Accessory.ButtonElement != nil && b.Accessory.ButtonElement.ActionID == actionID {
				return b.Accessory.ButtonElement.Value
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				if btn, ok := e.(*slack.ButtonBlockElement); ok && btn.ActionID == actionID {
					return btn.Value
				}
			}
		}
	}
	t.Fatalf("no %s button in %s", actionID, blocksJSON)
	return ""
}

// decodedText is every string in a JSON payload (texts of blocks, fields,
// buttons…), decoded, one per line: checks on what Slack shows must not
// run on JSON, where "<" is written "\u003c".
func decodedText(t *testing.T, payload []byte) string {
	t.Helper()
	var v any
	if err := json.Unmarshal(payload, &v); err != nil {
		t.Fatalf("payload %s: %v", payload, err)
	}
	var b strings.Builder
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			b.WriteString(v)
			b.WriteByte('\n')
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return b.String()
}

// callMrkdwn is every mrkdwn text of a Web API call: its "text" parameter
// and the mrkdwn texts of its "blocks" and "view".
func callMrkdwn(t *testing.T, c slackfake.Call) []string {
	t.Helper()
	var out []string
	if s := c.Param("text"); s != "" {
		out = append(out, s)
	}
	for _, p := range []string{"blocks", "view"} {
		out = append(out, mrkdwnTexts(t, c.Param(p))...)
	}
	return out
}

// checkMrkdwnEscaped fails t for every raw token in texts and for every
// want (the escaped form the test expects) that no text holds, so the check
// is never passed by texts that lack the user's words altogether.
func checkMrkdwnEscaped(t *testing.T, where string, texts []string, wants ...string) {
	t.Helper()
	for _, s := range texts {
		checkNoRawTokens(t, where, s)
	}
	for _, w := range wants {
		if !holds(texts, w) {
			t.Errorf("%s: no mrkdwn text holds %q; texts: %q", where, w, texts)
		}
	}
}

// holds reports whether one of texts contains want.
func holds(texts []string, want string) bool {
	for _, s := range texts {
		if strings.Contains(s, want) {
			return true
		}
	}
	return false
}

// mrkdwnTexts is what Slack renders as mrkdwn in a JSON payload (an ack's
// payload, a Call's "blocks" or "view"), decoded: the text of every text
// object whose type is "mrkdwn", and the top-level "text" of a message.
// plain_text objects are left out: they show their text literally and
// cannot ping or link, so they carry the raw text (SPEC §11). Checks on
// escaping run on these, never on the JSON, where "<" is "\u003c".
func mrkdwnTexts(t *testing.T, js string) []string {
	t.Helper()
	if strings.TrimSpace(js) == "" {
		return nil
	}
	var v any
	if err := json.Unmarshal([]byte(js), &v); err != nil {
		t.Fatalf("payload %s: %v", js, err)
	}
	var out []string
	if m, ok := v.(map[string]any); ok {
		if s, ok := m["text"].(string); ok && m["type"] == nil {
			out = append(out, s) // a message's fallback text, shown as mrkdwn
		}
	}
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case []any:
			for _, e := range v {
				walk(e)
			}
		case map[string]any:
			if s, ok := v["text"].(string); ok && v["type"] == "mrkdwn" {
				out = append(out, s)
			}
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(v)
	return out
}

// slashAck runs a /backlog command and returns its ack, payload and all.
func (h *harness) slashAck(user, text string) slackfake.Ack {
	h.t.Helper()
	env := h.slack.SendSlash("/backlog", text, user, "C0GENERAL")
	h.settle(env)
	return h.slack.AcksFor(env.EnvelopeID)[0]
}

func checkNoRawTokens(t *testing.T, where, text string) {
	t.Helper()
	for _, tok := range rawTokens {
		if strings.Contains(text, tok) {
			t.Errorf("%s contains %q: %s", where, tok, text)
		}
	}
}

// delivered counts successful chat.postMessage calls whose text contains
// marker, by destination: "thread:<ts>" or the DM's user id.
func delivered(h *harness, marker string) map[string]int {
	got := map[string]int{}
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Status != 200 || c.Error != "" || !strings.Contains(c.Param("text"), marker) {
			continue
		}
		dest := c.Param("channel")
		if ts := c.Param("thread_ts"); ts != "" {
			dest = "thread:" + ts
		}
		got[dest]++
	}
	return got
}

func digestPosts(h *harness) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Param("channel") == "C0STAKE" && c.Status == 200 && c.Error == "" {
			out = append(out, c)
		}
	}
	return out
}

func entry(id int64, title string, votes int) backlog.DigestEntry {
	return backlog.DigestEntry{Item: backlog.Item{ID: id, Title: title, Votes: votes,
		CreatedAt: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}, Requesters: votes}
}

// item reads item id from the database, failing the test if it is missing.
func (h *harness) item(id int64) backlog.Item {
	h.t.Helper()
	it, err := h.db.Item(context.Background(), id)
	if err != nil {
		h.t.Fatalf("item #%d: %v", id, err)
	}
	return it
}

// items returns every stored item.
func (h *harness) items() []storage.ExportItem {
	h.t.Helper()
	var out []storage.ExportItem
	if err := h.db.EachItem(context.Background(), func(e storage.ExportItem) error { out = append(out, e); return nil }); err != nil {
		h.t.Fatal(err)
	}
	return out
}

// voters and followers of item id.
func (h *harness) people(id int64) (voters, followers []string) {
	h.t.Helper()
	var v []string
	for _, e := range h.items() {
		if e.Item.ID == id {
			v = e.Voters
		}
	}
	f, err := h.db.Followers(context.Background(), id)
	if err != nil {
		h.t.Fatal(err)
	}
	return v, f
}

// settle waits for the acks of envs and then for the bot to be idle, so
// every reply and After of those envelopes has happened: after it a test
// may assert that something did NOT happen.
func (h *harness) settle(envs ...slackfake.Envelope) {
	h.t.Helper()
	for _, e := range envs {
		h.slack.WaitAck(e.EnvelopeID)
	}
	h.slack.WaitFor("the bot to be idle", h.idle)
}

// idle reports whether the bot serves nothing and has nothing due to send.
func (h *harness) idle() bool {
	idle, err := h.bot.Idle(context.Background())
	return err == nil && idle
}

func modalValues(title, body, kind, labels string) map[string]map[string]slackfake.Input {
	return map[string]map[string]slackfake.Input{
		inputTitle:  {inputTitle: slackfake.Text(title)},
		inputBody:   {inputBody: slackfake.Text(body)},
		inputKind:   {inputKind: slackfake.Option(kind)},
		inputLabels: {inputLabels: slackfake.Text(labels)},
	}
}

// modalView is what the tests read back from a views.open call.
type modalView struct {
	CallbackID      string `json:"callback_id"`
	PrivateMetadata string `json:"private_metadata"`
	Blocks          []struct {
		BlockID string `json:"block_id"`
		Element struct {
			InitialValue  string `json:"initial_value"`
			InitialOption struct {
				Value string `json:"value"`
			} `json:"initial_option"`
		} `json:"element"`
	} `json:"blocks"`
	Meta captureMeta `json:"-"`
}

func viewOf(t *testing.T, c slackfake.Call) modalView {
	t.Helper()
	var v modalView
	if err := json.Unmarshal([]byte(c.Param("view")), &v); err != nil {
		t.Fatalf("view: %v", err)
	}
	if v.PrivateMetadata != "" {
		if err := json.Unmarshal([]byte(v.PrivateMetadata), &v.Meta); err != nil {
			t.Fatalf("private_metadata %q: %v", v.PrivateMetadata, err)
		}
	}
	return v
}

func wantItem(t *testing.T, it backlog.Item, kind backlog.Kind, title, reporter, capturer string, path backlog.Capture) {
	t.Helper()
	if it.Kind != kind || it.Title != title || it.Reporter != reporter || it.Capturer != capturer || it.Capture != path || it.Status != backlog.StatusNew {
		t.Errorf("item #%d = kind %q title %q reporter %q capturer %q capture %q status %q;\nwant kind %q title %q reporter %q capturer %q capture %q status new",
			it.ID, it.Kind, it.Title, it.Reporter, it.Capturer, it.Capture, it.Status, kind, title, reporter, capturer, path)
	}
}

// reportLatencies reports p50 and p99 of ds in milliseconds.
func reportLatencies(b *testing.B, ds []time.Duration) {
	b.Helper()
	if len(ds) == 0 {
		return
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	pct := func(p float64) float64 {
		return float64(ds[int(p*float64(len(ds)-1))]) / float64(time.Millisecond)
	}
	b.ReportMetric(pct(0.50), "ack-p50-ms")
	b.ReportMetric(pct(0.99), "ack-p99-ms")
}

// sentence makes the i-th title: five words drawn deterministically.
func sentence(i int) string {
	w := make([]string, 5)
	x := uint64(i)*2654435761 + 1
	for j := range w {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		w[j] = words[x%uint64(len(words))]
	}
	return strings.Join(w, " ")
}

// hostile is text that pings everyone and disguises a link if it reaches
// mrkdwn unescaped; hostileEscaped is how it must read there.
const (
	hostile        = "<!channel> <https://evil.example|bank>"
	hostileEscaped = "&lt;!channel&gt; &lt;https://evil.example|bank&gt;"
)

// noSlack is a SlackAPI whose every call panics: the handlers tested with
// it must answer from the store alone.
type noSlack struct{ SlackAPI }

// newTestHandlers builds Handlers on a SQLite file, with no socket and no
// Slack, as a unit test of a handler needs.
func newTestHandlers(t *testing.T) *Handlers {
	t.Helper()
	db, _ := openTestDB(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	api := noSlack{}
	h := &Handlers{
		cfg: Config{Admins: []string{admin}}.withDefaults(), log: log, db: db, api: api,
		metrics: NewMetrics(nil), roles: newRoles(api, "", log), queue: newDelivery(db, api, log, NewMetrics(nil)), now: time.Now,
	}
	h.SetAdmins(h.cfg.Admins)
	return h
}

// inFlight is the envelopes and sends being served, as /metrics shows them.
func (h *harness) inFlight() int64 { return int64(h.bot.inFlight()) }
