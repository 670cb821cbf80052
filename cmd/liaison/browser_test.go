package main

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// chromium finds Debian's chromium (which .ci/run installs), or another
// Chrome on PATH; "" when there is none.
func chromium() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// browserEvents keeps what the page did: every URL it asked for and
// every error it logged.
type browserEvents struct {
	mu       sync.Mutex
	requests []string
	errors   []string
}

func (b *browserEvents) record(ev any) {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch e := ev.(type) {
	case *network.EventRequestWillBeSent:
		b.requests = append(b.requests, e.Request.URL)
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError {
			b.errors = append(b.errors, "console.error")
		}
	case *runtime.EventExceptionThrown:
		b.errors = append(b.errors, "exception: "+e.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError {
			b.errors = append(b.errors, e.Entry.Text+" "+e.Entry.URL)
		}
	}
}

func (b *browserEvents) seen() ([]string, []string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.requests...), append([]string(nil), b.errors...)
}

// TestRoadmapInABrowser runs the built binary with the roadmap on, fills
// its backlog through Slack, and has headless Chromium read the page as a
// person would: the columns, a card's title and votes, a label clicked to
// filter, an item's page; no console errors and no request to any other
// host. Screenshots at phone and desktop widths go to the test's temp dir,
// and to $LIAISON_SCREENSHOTS when set (the README's pictures).
func TestRoadmapInABrowser(t *testing.T) {
	browserPath := chromium()
	if browserPath == "" {
		t.Skip("no Chromium: install Debian's chromium (apt-get install chromium), as .ci/run does")
	}
	bin := buildLiaison(t)
	fake := slackfake.New(t)
	dir := t.TempDir()
	dbPath, cfgPath := filepath.Join(dir, "liaison.db"), filepath.Join(dir, "config.yaml")
	os.WriteFile(cfgPath, []byte(`admins: {users: [U0ADMIN]}
roadmap:
  enabled: true
  title: Acme product roadmap
`), 0o600)
	logs := &syncBuffer{}
	cmd := exec.Command(bin, "run", "--config", cfgPath)
	cmd.Env = fakeEnv(fake, dbPath)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		exited := make(chan struct{})
		go func() { cmd.Wait(); close(exited) }()
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("bot log:\n%s", logs.String())
		}
	})
	addr := listenAddr(t, fake, logs)
	fake.WaitConnections(1)
	slash := func(user, command, text string) {
		t.Helper()
		fake.WaitAck(fake.SendSlash(command, text, user, "C0GENERAL").EnvelopeID)
	}
	for _, r := range []struct{ user, text string }{
		{"U0BOB", "feature: Dark mode for reports"},
		{"U0CAROL", "bug: Login fails on Safari"},
		{"U0BOB", "feature: CSV export of dashboards"},
		{"U0DANA", "feature: Single sign-on with Okta"},
		{"U0ERIN", "feature: Internal admin tooling"},
		{"U0FRED", "feature: Offline mode for the mobile app"},
	} {
		slash(r.user, "/feedback", r.text)
	}
	for _, c := range []string{"status 1 in_progress", "status 2 planned", "status 3 triaged", "status 4 shipped",
		"status 5 planned", "label 5 +internal", "label 1 +reports", "label 3 +reports", "label 2 +auth", "label 4 +auth"} {
		slash("U0ADMIN", "/backlog", c)
	}
	for _, u := range []string{"U0CAROL", "U0DANA", "U0ERIN"} {
		slash(u, "/backlog", "vote 1")
	}
	base := "http://" + addr

	// A profile of its own, outside t.TempDir(): Chromium's helpers may
	// still write there as the test ends, which would fail its cleanup.
	profile, err := os.MkdirTemp("", "liaison-chromium-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(profile)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browserPath), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile), chromedp.WindowSize(1280, 900))
	alloc, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(alloc)
	defer cancel()
	ctx, cancelTime := context.WithTimeout(ctx, 90*time.Second)
	defer cancelTime()
	events := &browserEvents{}
	if err := chromedp.Listen(ctx, events.record); err != nil {
		t.Fatalf("start Chromium (%s): %v", browserPath, err)
	}

	text := func(sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("text of %s: %v", sel, err)
		}
		return s
	}
	waitURL := func(want string) string {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			loc, err := chromedp.Run(ctx, chromedp.Location())
			if err == nil && strings.Contains(loc, want) {
				return loc
			}
			if time.Now().After(deadline) {
				t.Fatalf("the page did not reach %q (at %q, %v)", want, loc, err)
			}
			chromedp.Do(ctx, chromedp.Sleep(50*time.Millisecond))
		}
	}
	shot := func(name string) {
		t.Helper()
		b, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		if _, err := png.Decode(bytes.NewReader(b)); err != nil {
			t.Fatalf("screenshot %s is no PNG: %v", name, err)
		}
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
		if out := os.Getenv("LIAISON_SCREENSHOTS"); out != "" {
			if err := os.WriteFile(filepath.Join(out, name), b, 0o644); err != nil {
				t.Errorf("save %s: %v", name, err)
			}
		}
	}

	if err := chromedp.Do(ctx, chromedp.Navigate(base+"/roadmap"), chromedp.WaitVisible(chromedp.CSS("section.shipped"))); err != nil {
		t.Fatalf("open the roadmap: %v", err)
	}
	if h1 := text("h1"); h1 != "Acme product roadmap" {
		t.Errorf("h1 = %q", h1)
	}
	columns := map[string][]string{
		"section.now":     {"Now", "Dark mode for reports", "4 votes", "reports"},
		"section.next":    {"Next", "Login fails on Safari", "auth"},
		"section.later":   {"Later", "CSV export of dashboards"},
		"section.shipped": {"Recently shipped", "Single sign-on with Okta", "shipped"},
	}
	for sel, wants := range columns {
		got := text(sel)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s reads %q; it lacks %q", sel, got, w)
			}
		}
	}
	if page := text("main"); strings.Contains(page, "Internal admin tooling") || strings.Contains(page, "Offline mode") {
		t.Errorf("the page shows a hidden item (internal label, or new): %q", page)
	}
	shot("roadmap-desktop.png")

	// A label is a link to its filter.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section.next a.chip`))); err != nil {
		t.Fatalf("click the label: %v", err)
	}
	waitURL("label=auth")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("section.shipped"))); err != nil {
		t.Fatal(err)
	}
	if got := text("main"); !strings.Contains(got, "Login fails on Safari") || !strings.Contains(got, "Single sign-on") || strings.Contains(got, "Dark mode") {
		t.Errorf("filtered by auth, the page reads %q", got)
	}

	// An item's page.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`section.next h3 a`))); err != nil {
		t.Fatalf("click the item: %v", err)
	}
	waitURL("/roadmap/items/2")
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("main.item"))); err != nil {
		t.Fatal(err)
	}
	if h1, body := text("h1"), text("main"); h1 != "Login fails on Safari" || !strings.Contains(body, "planned") || !strings.Contains(body, "requested") {
		t.Errorf("item page: h1 %q, main %q", h1, body)
	}

	// A phone.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(base+"/roadmap"), chromedp.WaitVisible(chromedp.CSS("section.shipped"))); err != nil {
		t.Fatal(err)
	}
	width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
	if err != nil {
		t.Fatalf("read the page's width: %v", err)
	}
	if width > 390 {
		t.Errorf("on a 390 px phone the page is %v px wide: it scrolls sideways", width)
	}
	shot("roadmap-phone.png")

	requests, errs := events.seen()
	if len(requests) < 4 {
		t.Errorf("only %d requests seen: %v", len(requests), requests)
	}
	for _, r := range requests {
		u, err := url.Parse(r)
		if err != nil || u.Scheme+"://"+u.Host != base {
			t.Errorf("the page asked another host: %s", r)
		}
	}
	if len(errs) > 0 {
		t.Errorf("the browser logged errors: %v", errs)
	}
	t.Log(fmt.Sprintf("%d requests, all to %s; screenshots in %s", len(requests), base, dir))
}
