package tracker

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/tracker/trackerfake"
)

// clock is a fixed clock a test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func newGitHub(t *testing.T, fake *trackerfake.GitHub, token string, c *clock) *GitHubClient {
	t.Helper()
	gh, err := NewGitHub(GitHubConfig{Token: token, APIURL: fake.URL(), Repo: "acme/app"}, nil, c.now)
	if err != nil {
		t.Fatal(err)
	}
	return gh
}

func githubLinks(fake *trackerfake.GitHub, n int) []Link {
	var out []Link
	for i := range n {
		num := fake.AddIssue("acme/app", "issue")
		out = append(out, Link{Item: int64(i + 1), Ref: Ref{Tracker: GitHub, Repo: "acme/app", Number: num}})
	}
	return out
}

func wantProblem(t *testing.T, err error, p Problem) *Error {
	t.Helper()
	e, ok := errors.AsType[*Error](err)
	if !ok || e.Problem != p {
		t.Fatalf("err = %v, want a %s *Error", err, p)
	}
	return e
}

func TestGitHubSpentRateLimitHoldsUntilItsReset(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	c := &clock{t: time.Now()}
	gh := newGitHub(t, fake, trackerfake.GitHubToken, c)
	links := githubLinks(fake, 3)
	reset := time.Now().Add(30 * time.Minute).Truncate(time.Second)
	fake.SetRateLimit(1, reset)

	obs, err := gh.Poll(context.Background(), links)
	e := wantProblem(t, err, Limited)
	if len(obs) != 1 || !obs[0].Changed || fake.Calls() != 1 {
		t.Errorf("with one request left: %d observations, %d requests; want 1 and 1", len(obs), fake.Calls())
	}
	if !e.RetryAt.Equal(reset) {
		t.Errorf("held until %v, want the reset %v", e.RetryAt, reset)
	}
	if _, err := gh.Poll(context.Background(), links[1:]); err == nil || fake.Calls() != 1 {
		t.Errorf("a poll before the reset sent %d requests (err %v), want none", fake.Calls()-1, err)
	}
	c.add(31 * time.Minute)
	fake.SetRateLimit(-1, time.Time{})
	if obs, err := gh.Poll(context.Background(), links[1:]); err != nil || len(obs) != 2 {
		t.Errorf("after the reset: %d observations, %v", len(obs), err)
	}
}

func TestGitHubSecondaryRateLimitWaitsRetryAfter(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	c := &clock{t: time.Now()}
	gh := newGitHub(t, fake, trackerfake.GitHubToken, c)
	fake.Fail(trackerfake.Fault{Status: http.StatusForbidden, RetryAfter: "45",
		Body: `{"message":"You have exceeded a secondary rate limit.","documentation_url":"https://docs.github.com/rest/using-the-rest-api/rate-limits-for-the-rest-api#about-secondary-rate-limits"}`}, 1)
	_, err := gh.Poll(context.Background(), githubLinks(fake, 1))
	e := wantProblem(t, err, Limited)
	if got := e.RetryAt.Sub(c.now()); got != 45*time.Second {
		t.Errorf("held for %v, want Retry-After's 45s", got)
	}
}

func TestGitHub429WithoutHeadersWaitsAMinute(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	c := &clock{t: time.Now()}
	gh := newGitHub(t, fake, trackerfake.GitHubToken, c)
	fake.Fail(trackerfake.Fault{Status: http.StatusTooManyRequests}, 1)
	_, err := gh.Poll(context.Background(), githubLinks(fake, 1))
	if e := wantProblem(t, err, Limited); e.RetryAt.Sub(c.now()) != defaultLimit {
		t.Errorf("held until %v, want %v from now", e.RetryAt, defaultLimit)
	}
}

func TestRefusedTokenIsNamedWithoutTheToken(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	c := &clock{t: time.Now()}
	const wrong = "ghp_wrongwrongwrong"
	gh := newGitHub(t, fake, wrong, c)
	_, err := gh.Poll(context.Background(), githubLinks(fake, 2))
	e := wantProblem(t, err, Refused)
	if strings.Contains(e.Error(), wrong) || !strings.Contains(e.Error(), "Bad credentials") {
		t.Errorf("error = %q", e.Error())
	}
	if fake.Calls() != 1 {
		t.Errorf("a refused token was tried %d times in one poll, want once", fake.Calls())
	}
}

func TestUnreachableTrackerBacksOff(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	c := &clock{t: time.Now()}
	gh := newGitHub(t, fake, trackerfake.GitHubToken, c)
	links := githubLinks(fake, 1)
	for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
		fake.Fail(trackerfake.Fault{Status: http.StatusBadGateway}, 1)
		calls := fake.Calls()
		_, err := gh.Poll(context.Background(), links)
		e := wantProblem(t, err, Unreachable)
		if got := e.Detail; !strings.Contains(got, "502") {
			t.Errorf("detail = %q", got)
		}
		if _, err := gh.Poll(context.Background(), links); err == nil || fake.Calls() != calls+1 {
			t.Errorf("failure %d: polled again at once, %d requests went out, want 1", i+1, fake.Calls()-calls)
		}
		c.add(wait - time.Second)
		if _, err := gh.Poll(context.Background(), links); err == nil || fake.Calls() != calls+1 {
			t.Errorf("failure %d: a poll before the %v back-off ended went out", i+1, wait)
		}
		c.add(time.Second)
	}
	if obs, err := gh.Poll(context.Background(), links); err != nil || len(obs) != 1 || !obs[0].Changed {
		t.Errorf("once GitHub answers: %+v, %v", obs, err)
	}
}

func TestGitHubMissingIssueConcernsThatIssueAlone(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	gh := newGitHub(t, fake, trackerfake.GitHubToken, &clock{t: time.Now()})
	links := githubLinks(fake, 3)
	fake.Delete("acme/app", links[1].Ref.Number)
	obs, err := gh.Poll(context.Background(), links)
	if err != nil || len(obs) != 3 {
		t.Fatalf("poll: %d observations, %v", len(obs), err)
	}
	if obs[1].Err == nil || obs[1].Err.Problem != NotFound || obs[0].Err != nil || !obs[2].Changed {
		t.Errorf("observations = %+v", obs)
	}
}

func newJira(fake *trackerfake.Jira, c *clock) *JiraClient {
	return NewJira(JiraConfig{URL: fake.URL(), Email: trackerfake.JiraEmail, Token: trackerfake.JiraToken, Project: "PROD"}, nil, c.now)
}

func TestJiraSearchThatJiraRefusesIsAskedIssueByIssue(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD")
	j := newJira(fake, &clock{t: time.Now()})
	var links []Link
	for i := range 3 {
		key := fake.AddIssue("PROD")
		links = append(links, Link{Item: int64(i + 1), Ref: Ref{Tracker: Jira, Repo: "PROD", Number: i + 1}})
		_ = key
	}
	fake.Move("PROD-3", "Done", "done")
	fake.Delete("PROD-2")
	obs, err := j.Poll(context.Background(), links)
	if err != nil || len(obs) != 3 {
		t.Fatalf("poll: %+v, %v", obs, err)
	}
	byItem := map[int64]Observation{}
	for _, o := range obs {
		byItem[o.Item] = o
	}
	if o := byItem[2]; o.Err == nil || o.Err.Problem != NotFound {
		t.Errorf("the deleted issue: %+v", o)
	}
	if o := byItem[3]; !o.Changed || o.State.Category != "done" || o.State.Status != "Done" {
		t.Errorf("the done issue: %+v", o)
	}
	if got := len(fake.Searches()); got != 1 {
		t.Errorf("%d searches, want one (then one read per issue)", got)
	}
}

func TestJiraLimitsAndRefusals(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD")
	c := &clock{t: time.Now()}
	j := newJira(fake, c)
	fake.AddIssue("PROD")
	links := []Link{{Item: 1, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 1}}}
	fake.Fail(trackerfake.Fault{Status: http.StatusTooManyRequests, RetryAfter: "20"}, 1)
	_, err := j.Poll(context.Background(), links)
	if e := wantProblem(t, err, Limited); e.RetryAt.Sub(c.now()) != 20*time.Second {
		t.Errorf("held until %v", e.RetryAt)
	}
	c.add(20 * time.Second)
	bad := NewJira(JiraConfig{URL: fake.URL(), Email: trackerfake.JiraEmail, Token: "nope", Project: "PROD"}, nil, c.now)
	_, err = bad.Poll(context.Background(), links)
	if e := wantProblem(t, err, Refused); strings.Contains(e.Error(), "nope") {
		t.Errorf("error holds the token: %q", e.Error())
	}
	if obs, err := j.Poll(context.Background(), links); err != nil || len(obs) != 1 || obs[0].State.Category != "new" {
		t.Errorf("after Retry-After: %+v, %v", obs, err)
	}
}

func TestJiraBugFallsBackToTaskWhenTheProjectHasNoBugs(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD")
	fake.SetTypes("Task", "Story")
	j := newJira(fake, &clock{t: time.Now()})
	ref, state, err := j.Create(context.Background(), NewIssue{Item: 4, Kind: "bug", Title: "Crash on save", Text: "It crashes."})
	if err != nil {
		t.Fatal(err)
	}
	if ref.String() != "PROD-1" || ref.URL != fake.IssueURL("PROD-1") || state.Seen(Jira) != "jira:new" {
		t.Errorf("created %+v in %+v", ref, state)
	}
	if got := fake.Created(); len(got) != 1 || got[0].Type != "Task" {
		t.Errorf("filed %+v", got)
	}
}

func TestJiraIssueMovedToAnotherProjectIsStillFollowed(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD", "OPS")
	c := &clock{t: time.Now()}
	j := newJira(fake, c)
	fake.AddIssue("PROD")
	fake.AddIssue("PROD")
	links := []Link{
		{Item: 1, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 1}},
		{Item: 2, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 2}},
	}
	moved := fake.MoveToProject("PROD-1", "OPS")
	fake.Move(moved, "Done", "done")
	obs, err := j.Poll(context.Background(), links)
	if err != nil {
		t.Fatal(err)
	}
	byItem := map[int64]Observation{}
	for _, o := range obs {
		byItem[o.Item] = o
	}
	if o := byItem[1]; !o.Changed || o.State.Category != "done" {
		t.Errorf("the moved issue (now %s): %+v, want it read as done", moved, o)
	}
	if o := byItem[2]; !o.Changed || o.State.Category != "new" {
		t.Errorf("the other issue: %+v", o)
	}
}

func TestJiraWithoutASearchAPIIsAProblemOfTheWholeTracker(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD")
	c := &clock{t: time.Now()}
	j := NewJira(JiraConfig{URL: fake.URL() + "/jira", Email: trackerfake.JiraEmail, Token: trackerfake.JiraToken}, nil, c.now)
	_, err := j.Poll(context.Background(), []Link{{Item: 1, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 1}}})
	if e := wantProblem(t, err, Unreachable); !strings.Contains(e.Detail, "trackers.jira.url") {
		t.Errorf("detail = %q", e.Detail)
	}
}

func TestJiraAsksOnlyForUpdatesSinceTheLastReadingPoll(t *testing.T) {
	fake := trackerfake.NewJira(t, "PROD")
	c := &clock{t: time.Now()}
	j := newJira(fake, c)
	fake.AddIssue("PROD")
	never := []Link{{Item: 1, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 1}}}
	read := []Link{{Item: 1, Ref: Ref{Tracker: Jira, Repo: "PROD", Number: 1}, Seen: "jira:new", Checked: c.now().Add(-5 * time.Minute)}}
	j.Poll(context.Background(), never)
	j.Poll(context.Background(), read)
	got := fake.Searches()
	if len(got) != 2 || got[0] != "key in (PROD-1)" || got[1] != `key in (PROD-1) AND updated >= "-7m"` {
		t.Errorf("searches = %q", got)
	}
}

func TestGitHubPullRequestLinkedAsAnIssueIsReadAsAPullRequest(t *testing.T) {
	fake := trackerfake.NewGitHub(t)
	gh := newGitHub(t, fake, trackerfake.GitHubToken, &clock{t: time.Now()})
	n := fake.AddPull("acme/app", "Refactor")
	fake.Close("acme/app", n, "")
	ref := Ref{Tracker: GitHub, Repo: "acme/app", Number: n} // linked by its /issues/N URL
	obs, err := gh.Poll(context.Background(), []Link{{Item: 1, Ref: ref}})
	if err != nil || len(obs) != 1 {
		t.Fatalf("poll: %+v, %v", obs, err)
	}
	if to, _, ok := Move(ref, obs[0].State); ok {
		t.Errorf("a pull request closed without merging moves its item to %s", to)
	}
}

func TestGitHubTextMentionsNoOneAndRefersToNothing(t *testing.T) {
	got := githubText("<b>hi</b> & @alice, @acme/team: see #12, acme/app#3, GH-4; mail a@b.c")
	want := "&lt;b&gt;hi&lt;/b&gt; &amp; @\u200balice, @\u200bacme/team: see #\u200b12, acme/app#\u200b3, GH-\u200b4; mail a@\u200bb.c"
	if got != want {
		t.Errorf("githubText =\n%q\nwant\n%q", got, want)
	}
}
