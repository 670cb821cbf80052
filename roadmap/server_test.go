package roadmap

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
)

// fixture: one item in each column and the hidden kinds beside them.
func fixture(t *testing.T) (*httptestServer, map[string]int64) {
	t.Helper()
	db := backlogDB(t)
	ids := map[string]int64{
		"now":      add(t, db, backlog.KindFeature, "Dark mode", backlog.StatusInProgress, "ui"),
		"next":     add(t, db, backlog.KindBug, "Login fails on Safari", backlog.StatusPlanned, "billing"),
		"later":    add(t, db, backlog.KindFeature, "CSV export", backlog.StatusTriaged),
		"shipped":  add(t, db, backlog.KindFeature, "SSO with Okta", backlog.StatusShipped, "billing"),
		"new":      add(t, db, backlog.KindFeature, "Brand new idea", backlog.StatusNew),
		"declined": add(t, db, backlog.KindFeature, "Declined thing", backlog.StatusDeclined),
		"internal": add(t, db, backlog.KindFeature, "Internal refactor", backlog.StatusPlanned, "internal"),
		"script":   add(t, db, backlog.KindFeature, `<script>alert(1)</script> & "quotes"`, backlog.StatusPlanned, "x<y"),
	}
	srv := serve(t, db, Config{Title: "Acme roadmap", Labels: backlog.DigestFilter{None: []string{"internal"}}})
	return &httptestServer{srv}, ids
}

func TestPageShowsTheColumnsAndHidesWhatItMust(t *testing.T) {
	srv, _ := fixture(t)
	resp, body := get(t, http.DefaultClient, srv.Server, "/roadmap")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("GET /roadmap = %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{"<h1>Acme roadmap</h1>", ">Now <", ">Next <", ">Later <", ">Recently shipped <",
		"Dark mode", "Login fails on Safari", "CSV export", "SSO with Okta", "1 vote", "shipped <time"} {
		if !strings.Contains(body, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	for _, hidden := range []string{"Brand new idea", "Declined thing", "Internal refactor", "secret body"} {
		if strings.Contains(body, hidden) {
			t.Errorf("page shows %q", hidden)
		}
	}
	if strings.Count(body, "<h1") != 1 || !strings.Contains(body, "<main>") || !strings.Contains(body, `<nav aria-label=`) {
		t.Errorf("page lacks one h1, a main and a nav")
	}
}

func TestUserTextIsEscaped(t *testing.T) {
	srv, ids := fixture(t)
	_, body := get(t, http.DefaultClient, srv.Server, "/roadmap")
	if strings.Contains(body, "<script>") || !strings.Contains(body, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;") {
		t.Errorf("the title with <script> is not shown as text:\n%s", body)
	}
	if strings.Contains(body, "x<y") || !strings.Contains(body, "x&lt;y") {
		t.Errorf("the label x<y is not escaped")
	}
	_, item := get(t, http.DefaultClient, srv.Server, "/roadmap/items/"+itoa(ids["script"]))
	if strings.Contains(item, "<script>") || !strings.Contains(item, "&lt;script&gt;") {
		t.Errorf("item page does not escape the title")
	}
}

func TestHiddenItemsAnswer404EverywhereAndTheBodyNeverShows(t *testing.T) {
	srv, ids := fixture(t)
	for _, name := range []string{"new", "declined", "internal"} {
		resp, _ := get(t, http.DefaultClient, srv.Server, "/roadmap/items/"+itoa(ids[name]))
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s item page = %d, want 404", name, resp.StatusCode)
		}
	}
	for _, path := range []string{"/roadmap/items/999", "/roadmap/items/abc", "/roadmap/items/-1"} {
		if resp, _ := get(t, http.DefaultClient, srv.Server, path); resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s = %d, want 404", path, resp.StatusCode)
		}
	}
	resp, item := get(t, http.DefaultClient, srv.Server, "/roadmap/items/"+itoa(ids["next"]))
	if resp.StatusCode != 200 || !strings.Contains(item, "Login fails on Safari") || !strings.Contains(item, "planned") ||
		strings.Contains(item, "secret body") || strings.Contains(item, "U0BOB") {
		t.Errorf("item page = %d:\n%s", resp.StatusCode, item)
	}
	_, js := get(t, http.DefaultClient, srv.Server, "/roadmap.json")
	var data struct {
		Columns []struct {
			Status string
			Total  int
			Items  []struct {
				ID    int64
				Title string
			}
		}
	}
	if err := json.Unmarshal([]byte(js), &data); err != nil {
		t.Fatalf("roadmap.json: %v\n%s", err, js)
	}
	seen := map[int64]string{}
	for _, c := range data.Columns {
		for _, it := range c.Items {
			seen[it.ID] = c.Status
		}
	}
	for _, name := range []string{"new", "declined", "internal"} {
		if _, ok := seen[ids[name]]; ok {
			t.Errorf("roadmap.json has the %s item", name)
		}
	}
	if seen[ids["now"]] != "in_progress" || seen[ids["shipped"]] != "shipped" || len(seen) != 5 {
		t.Errorf("roadmap.json columns: %v", seen)
	}
	if strings.Contains(js, "secret body") || strings.Contains(js, "U0BOB") {
		t.Errorf("roadmap.json has a body or a person")
	}
}

func TestFiltersByLabelAndKind(t *testing.T) {
	srv, _ := fixture(t)
	_, body := get(t, http.DefaultClient, srv.Server, "/roadmap?label=billing")
	if !strings.Contains(body, "Login fails on Safari") || !strings.Contains(body, "SSO with Okta") || strings.Contains(body, "Dark mode") {
		t.Errorf("?label=billing shows the wrong items")
	}
	_, body = get(t, http.DefaultClient, srv.Server, "/roadmap?label=billing&kind=bug")
	if !strings.Contains(body, "Login fails on Safari") || strings.Contains(body, "SSO with Okta") {
		t.Errorf("?label=billing&kind=bug shows the wrong items")
	}
	// The label filter never uncovers a hidden label.
	if _, body = get(t, http.DefaultClient, srv.Server, "/roadmap?label=internal"); strings.Contains(body, "Internal refactor") {
		t.Errorf("?label=internal shows an internal item")
	}
	// Labels on cards are links to their filter.
	if _, body = get(t, http.DefaultClient, srv.Server, "/roadmap"); !strings.Contains(body, `href="roadmap?label=billing"`) {
		t.Errorf("a label is not a link to its filter")
	}
}

func TestSecurityHeaders(t *testing.T) {
	srv, ids := fixture(t)
	for _, path := range []string{"/roadmap", "/roadmap.json", "/roadmap/items/" + itoa(ids["now"])} {
		resp, _ := get(t, http.DefaultClient, srv.Server, path)
		csp := resp.Header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "style-src 'self'") {
			t.Errorf("%s CSP = %q", path, csp)
		}
		if resp.Header.Get("X-Content-Type-Options") != "nosniff" || resp.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s headers = %v", path, resp.Header)
		}
	}
	resp, css := get(t, http.DefaultClient, srv.Server, "/roadmap/style.css")
	if resp.StatusCode != 200 || !strings.Contains(css, "prefers-color-scheme: dark") || strings.Contains(css, "http") {
		t.Errorf("style.css = %d, %d bytes", resp.StatusCode, len(css))
	}
}

func TestETagAnswers304UntilTheBacklogChanges(t *testing.T) {
	db := backlogDB(t)
	add(t, db, backlog.KindFeature, "Dark mode", backlog.StatusPlanned)
	srv := serve(t, db, Config{})
	resp, _ := get(t, http.DefaultClient, srv, "/roadmap")
	tag, modified := resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
	if tag == "" || modified == "" {
		t.Fatalf("no ETag / Last-Modified: %v", resp.Header)
	}
	if resp, body := get(t, http.DefaultClient, srv, "/roadmap", "If-None-Match", tag); resp.StatusCode != http.StatusNotModified || body != "" {
		t.Errorf("same ETag = %d, want 304 with no body", resp.StatusCode)
	}
	if resp, _ := get(t, http.DefaultClient, srv, "/roadmap", "If-Modified-Since", modified); resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-Modified-Since the last change = %d, want 304", resp.StatusCode)
	}
	if resp, _ := get(t, http.DefaultClient, srv, "/roadmap?kind=bug", "If-None-Match", tag); resp.StatusCode != 200 {
		t.Errorf("another filter with the same ETag = %d, want 200", resp.StatusCode)
	}
	if resp.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("Cache-Control = %q, want no-cache", resp.Header.Get("Cache-Control"))
	}
	// Another configuration (a label newly hidden) is another page.
	other := serve(t, db, Config{Labels: backlog.DigestFilter{None: []string{"secret"}}})
	if resp, _ := get(t, http.DefaultClient, other, "/roadmap", "If-None-Match", tag); resp.StatusCode != 200 {
		t.Errorf("a page made under another configuration answered %d, want 200", resp.StatusCode)
	}
	if _, _, err := db.Vote(t.Context(), 1, "U0CAROL"); err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, http.DefaultClient, srv, "/roadmap", "If-None-Match", tag)
	if resp.StatusCode != 200 || !strings.Contains(body, "2 votes") || resp.Header.Get("ETag") == tag {
		t.Errorf("after a vote: %d, ETag %q", resp.StatusCode, resp.Header.Get("ETag"))
	}
}

func TestTokenOnceThenCookie(t *testing.T) {
	db := backlogDB(t)
	add(t, db, backlog.KindFeature, "Dark mode", backlog.StatusPlanned)
	const token = "0123456789abcdef0123"
	srv := serve(t, db, Config{Token: token})
	for _, path := range []string{"/roadmap", "/roadmap.json", "/roadmap/items/1"} {
		if resp, body := get(t, http.DefaultClient, srv, path); resp.StatusCode != http.StatusUnauthorized || strings.Contains(body, "Dark mode") {
			t.Errorf("%s without the token = %d", path, resp.StatusCode)
		}
	}
	if resp, _ := get(t, http.DefaultClient, srv, "/roadmap?token=wrong-token-wrong-token"); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("a wrong token = %d, want 401", resp.StatusCode)
	}
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, _ := get(t, noFollow, srv, "/roadmap?kind=feature&token="+token)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "roadmap?kind=feature" {
		t.Fatalf("?token= answered %d to %q, want 303 to the URL without it", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookie := resp.Header.Get("Set-Cookie")
	for _, want := range []string{"HttpOnly", "SameSite=Lax", "Path=/"} {
		if !strings.Contains(cookie, want) {
			t.Errorf("cookie %q lacks %s", cookie, want)
		}
	}
	if strings.Contains(cookie, token) {
		t.Errorf("the cookie holds the token itself: %q", cookie)
	}
	b := browser(t)
	if resp, body := get(t, b, srv, "/roadmap?token="+token); resp.StatusCode != 200 || !strings.Contains(body, "Dark mode") {
		t.Errorf("with the token, after the redirect: %d", resp.StatusCode)
	}
	for _, path := range []string{"/roadmap/items/1", "/roadmap.json"} {
		if resp, _ := get(t, b, srv, path); resp.StatusCode != 200 {
			t.Errorf("%s with the cookie: %d", path, resp.StatusCode)
		}
	}
}

func TestColumnsShowFiftyAndSayHowManyMore(t *testing.T) {
	db := backlogDB(t)
	for i := range 53 {
		add(t, db, backlog.KindFeature, "Planned "+itoa(int64(i)), backlog.StatusPlanned)
	}
	srv := serve(t, db, Config{})
	_, body := get(t, http.DefaultClient, srv, "/roadmap")
	if got := strings.Count(body, `class="card"`); got != ColumnSize {
		t.Errorf("%d cards, want %d", got, ColumnSize)
	}
	if !strings.Contains(body, "and 3 more") || !strings.Contains(body, `<span class="count">53</span>`) {
		t.Errorf("page does not say 53 in all and 3 more")
	}
}

func TestRequestersOnlyWhenConfigured(t *testing.T) {
	db := backlogDB(t)
	add(t, db, backlog.KindFeature, "Dark mode", backlog.StatusPlanned)
	_, off := get(t, http.DefaultClient, serve(t, db, Config{}), "/roadmap/items/1")
	_, on := get(t, http.DefaultClient, serve(t, db, Config{ShowRequesters: true}), "/roadmap/items/1")
	if strings.Contains(off, "U0BOB") || !strings.Contains(off, "1 person") || !strings.Contains(on, "1 person: U0BOB") {
		t.Errorf("requesters: off shows them %v, on shows them %v", strings.Contains(off, "U0BOB"), strings.Contains(on, "U0BOB"))
	}
}

func TestBusyPageAnswers503WithoutQueueing(t *testing.T) {
	db := backlogDB(t)
	add(t, db, backlog.KindFeature, "Dark mode", backlog.StatusPlanned)
	s := New(Config{}, db, nil)
	mux := http.NewServeMux()
	s.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	for range maxRenders {
		s.renders <- struct{}{} // every slot taken
	}
	resp, _ := get(t, http.DefaultClient, srv, "/roadmap")
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" {
		t.Errorf("with every slot taken: %d, Retry-After %q; want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	<-s.renders
	if resp, _ := get(t, http.DefaultClient, srv, "/roadmap"); resp.StatusCode != 200 {
		t.Errorf("with a slot free: %d", resp.StatusCode)
	}
}
