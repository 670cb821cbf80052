package trackerfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// GitHubToken is the token the fake GitHub accepts.
const GitHubToken = "ghp_faketoken0123456789"

// GitHub is a fake GitHub REST API: issues and pull requests by
// repository, with ETags that change when an issue does.
type GitHub struct {
	srv    *httptest.Server
	faults faults

	mu      sync.Mutex
	issues  map[string]*ghIssue // "owner/name#n"
	next    map[string]int      // the next number, by repository
	full    map[string]int      // 200 answers to GETs, by "owner/name#n"
	notMod  map[string]int      // 304 answers, by "owner/name#n"
	created []Created
	calls   int
	// remaining is the rate limit left, counted down per request; reset
	// is when it fills again. remaining < 0: never spent.
	remaining int
	reset     time.Time
}

// Created is an issue filed through the fake.
type Created struct {
	Repo   string
	Number int
	Title  string
	Body   string
	Type   string // Jira's issue type
}

type ghIssue struct {
	number  int
	title   string
	body    string
	pull    bool
	state   string // open | closed
	reason  string // completed | not_planned | reopened | ""
	merged  bool
	version int
}

// NewGitHub starts a fake GitHub, closed when the test ends.
func NewGitHub(t testing.TB) *GitHub {
	g := &GitHub{issues: map[string]*ghIssue{}, next: map[string]int{}, full: map[string]int{}, notMod: map[string]int{}, remaining: -1}
	g.srv = httptest.NewServer(http.HandlerFunc(g.serve))
	t.Cleanup(g.srv.Close)
	return g
}

// URL is the fake's base URL: both its API and its web pages.
func (g *GitHub) URL() string { return g.srv.URL }

// IssueURL is the web address of repo's issue (or pull request) n.
func (g *GitHub) IssueURL(repo string, n int) string {
	g.mu.Lock()
	defer g.mu.Unlock()
	kind := "issues"
	if is := g.issues[fmt.Sprintf("%s#%d", repo, n)]; is != nil && is.pull {
		kind = "pull"
	}
	return fmt.Sprintf("%s/%s/%s/%d", g.srv.URL, repo, kind, n)
}

// AddIssue opens an issue in repo and returns its number.
func (g *GitHub) AddIssue(repo, title string) int { return g.add(repo, title, "", false) }

// AddPull opens a pull request in repo and returns its number.
func (g *GitHub) AddPull(repo, title string) int { return g.add(repo, title, "", true) }

func (g *GitHub) add(repo, title, body string, pull bool) int {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.next[repo]++
	n := g.next[repo]
	g.issues[fmt.Sprintf("%s#%d", repo, n)] = &ghIssue{number: n, title: title, body: body, pull: pull, state: "open", version: 1}
	return n
}

// Close closes repo#n with reason ("completed", "not_planned").
func (g *GitHub) Close(repo string, n int, reason string) {
	g.change(repo, n, func(is *ghIssue) { is.state, is.reason = "closed", reason })
}

// Reopen reopens repo#n.
func (g *GitHub) Reopen(repo string, n int) {
	g.change(repo, n, func(is *ghIssue) { is.state, is.reason = "open", "reopened" })
}

// Merge merges pull request repo#n.
func (g *GitHub) Merge(repo string, n int) {
	g.change(repo, n, func(is *ghIssue) { is.state, is.merged = "closed", true })
}

// Delete removes repo#n: it answers 404 from now on.
func (g *GitHub) Delete(repo string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	delete(g.issues, fmt.Sprintf("%s#%d", repo, n))
}

func (g *GitHub) change(repo string, n int, f func(*ghIssue)) {
	g.mu.Lock()
	defer g.mu.Unlock()
	is := g.issues[fmt.Sprintf("%s#%d", repo, n)]
	if is == nil {
		panic(fmt.Sprintf("trackerfake: no issue %s#%d", repo, n))
	}
	f(is)
	is.version++
}

// SetRateLimit leaves n requests in the rate limit until reset; then every
// request is refused with 403 and X-RateLimit-Remaining: 0, as GitHub does.
func (g *GitHub) SetRateLimit(n int, reset time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.remaining, g.reset = n, reset
}

// Fail answers the next n requests with f.
func (g *GitHub) Fail(f Fault, n int) { g.faults.add(f, n) }

// Answers counts the GETs of repo#n answered in full and with 304.
func (g *GitHub) Answers(repo string, n int) (full, notModified int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := fmt.Sprintf("%s#%d", repo, n)
	return g.full[k], g.notMod[k]
}

// Calls counts every request the fake was sent.
func (g *GitHub) Calls() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.calls
}

// Created lists the issues filed through the API, oldest first.
func (g *GitHub) Created() []Created {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]Created(nil), g.created...)
}

func (g *GitHub) serve(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	g.calls++
	g.mu.Unlock()
	if g.faults.serve(w) {
		return
	}
	if r.Header.Get("Authorization") != "Bearer "+GitHubToken {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"message": "Bad credentials"})
		return
	}
	if !g.rateLimit(w) {
		return
	}
	// /repos/{owner}/{name}/issues[/{n}]
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if len(parts) < 4 || parts[0] != "repos" || parts[3] != "issues" {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	repo := parts[1] + "/" + parts[2]
	switch {
	case len(parts) == 4 && r.Method == http.MethodPost:
		g.create(w, r, repo)
	case len(parts) == 5 && r.Method == http.MethodGet:
		n, _ := strconv.Atoi(parts[4])
		g.get(w, r, repo, n)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
	}
}

// rateLimit writes the rate limit headers and reports whether the request
// is within the limit; beyond it, it answers 403 as GitHub does.
func (g *GitHub) rateLimit(w http.ResponseWriter) bool {
	g.mu.Lock()
	left, reset := 4999, time.Now().Add(time.Hour)
	spent := false
	if g.remaining >= 0 {
		if time.Now().After(g.reset) {
			g.remaining = -1
		} else {
			spent = g.remaining == 0
			g.remaining = max(g.remaining-1, 0)
			left, reset = g.remaining, g.reset
		}
	}
	g.mu.Unlock()
	w.Header().Set("X-RateLimit-Limit", "5000")
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(left))
	w.Header().Set("X-RateLimit-Reset", strconv.FormatInt(reset.Unix(), 10))
	if spent {
		writeJSON(w, http.StatusForbidden, map[string]string{"message": "API rate limit exceeded"})
		return false
	}
	return true
}

func (g *GitHub) get(w http.ResponseWriter, r *http.Request, repo string, n int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	k := fmt.Sprintf("%s#%d", repo, n)
	is := g.issues[k]
	if is == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Not Found"})
		return
	}
	etag := fmt.Sprintf(`W/"%s-%d"`, strings.ReplaceAll(k, "/", "-"), is.version)
	w.Header().Set("ETag", etag)
	if r.Header.Get("If-None-Match") == etag {
		g.notMod[k]++
		w.WriteHeader(http.StatusNotModified)
		return
	}
	g.full[k]++
	writeJSON(w, http.StatusOK, g.issueJSON(repo, is))
}

func (g *GitHub) issueJSON(repo string, is *ghIssue) map[string]any {
	kind := "issues"
	if is.pull {
		kind = "pull"
	}
	out := map[string]any{
		"number":   is.number,
		"title":    is.title,
		"body":     is.body,
		"state":    is.state,
		"html_url": fmt.Sprintf("%s/%s/%s/%d", g.srv.URL, repo, kind, is.number),
	}
	if is.reason != "" {
		out["state_reason"] = is.reason
	} else {
		out["state_reason"] = nil
	}
	if is.pull {
		pr := map[string]any{"url": fmt.Sprintf("%s/repos/%s/pulls/%d", g.srv.URL, repo, is.number), "merged_at": nil}
		if is.merged {
			pr["merged_at"] = "2026-12-01T10:00:00Z"
		}
		out["pull_request"] = pr
	}
	return out
}

func (g *GitHub) create(w http.ResponseWriter, r *http.Request, repo string) {
	var in struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil || in.Title == "" {
		writeJSON(w, http.StatusUnprocessableEntity, map[string]string{"message": "Validation Failed"})
		return
	}
	n := g.add(repo, in.Title, in.Body, false)
	g.mu.Lock()
	defer g.mu.Unlock()
	g.created = append(g.created, Created{Repo: repo, Number: n, Title: in.Title, Body: in.Body})
	writeJSON(w, http.StatusCreated, g.issueJSON(repo, g.issues[fmt.Sprintf("%s#%d", repo, n)]))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}
