package bot

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
	"github.com/liaisonbot/liaison/scheduler"
	"github.com/liaisonbot/liaison/storage"
)

// Channels the test configuration monitors.
const (
	feedChannel  = "C0FEED"  // mode all, kind feedback
	ideasChannel = "C0IDEAS" // mode prefix, kind feature
)

// testConfig is the bot configuration the end-to-end tests run with: the
// default reactions and two monitored channels.
func testConfig(fake *slackfake.Server) Config {
	return Config{
		BotToken: slackfake.BotToken, AppToken: slackfake.AppToken, APIURL: fake.APIURL(),
		Emoji: map[string]backlog.Kind{"bulb": backlog.KindFeature, "memo": backlog.KindFeedback, "bug": backlog.KindBug},
		Channels: map[string]ChannelRule{
			feedChannel:  {Kind: backlog.KindFeedback},
			ideasChannel: {PrefixOnly: true, Kind: backlog.KindFeature},
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
	h.bot = New(h.bot.cfg, h.db, log, nil, scheduler.New(context.Background(), log))
	h.bot.ackFlush = 20 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.done = make(chan error, 1)
	go func() { h.done <- h.bot.Run(ctx) }()
	h.slack.WaitConnections(n + 1)
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
	logs  *syncBuffer

	cancel context.CancelFunc
	done   chan error
}

// newHarness builds the bot without starting it, so a test can add routes.
func newHarness(t testing.TB) *harness {
	t.Helper()
	fake := slackfake.New(t)
	path := filepath.Join(t.TempDir(), "liaison.db")
	db, err := storage.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	b := New(testConfig(fake), db, log, nil, scheduler.New(context.Background(), log))
	// Most tests stop right after an ack they already saw; only the shutdown
	// tests need the full flush wait.
	b.ackFlush = 20 * time.Millisecond
	h := &harness{t: t, slack: fake, db: db, path: path, bot: b, logs: logs}
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
