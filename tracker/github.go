package tracker

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/google/go-github/v89/github"
)

// GitHubConfig is trackers.github.
type GitHubConfig struct {
	Token  string
	APIURL string // "" for https://api.github.com/
	Repo   string // owner/name that Create files into; "" disables it
}

// GitHubHosts are the web hosts of GitHub issue URLs followed through the
// API at apiURL: github.com for GitHub's own API, else the API's own host
// (GitHub Enterprise Server): an issue on github.com is not in an
// Enterprise server's API, and one with the same name there is another.
func GitHubHosts(apiURL string) []string {
	if u, err := url.Parse(apiURL); err == nil && u.Hostname() != "" {
		if h := strings.ToLower(u.Hostname()); h != "api.github.com" && h != "github.com" {
			return []string{h}
		}
	}
	return []string{"github.com"}
}

// GitHubClient asks GitHub's REST API about issues and files new ones.
type GitHubClient struct {
	gh   *github.Client
	repo string
	gate gate
}

// NewGitHub makes a GitHub client whose requests go through transport.
func NewGitHub(cfg GitHubConfig, transport http.RoundTripper, now func() time.Time) (*GitHubClient, error) {
	// The gate holds requests back after a rate limit, on Liaison's clock;
	// go-github's own check would be a second one.
	opts := []github.ClientOptionsFunc{github.WithHTTPClient(httpClient(transport)), github.WithAuthToken(cfg.Token),
		github.WithDisableRateLimitCheck()}
	if cfg.APIURL != "" {
		base := strings.TrimSuffix(cfg.APIURL, "/") + "/"
		opts = append(opts, github.WithURLs(&base, &base))
	}
	gh, err := github.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("trackers.github: %w", err)
	}
	return &GitHubClient{gh: gh, repo: cfg.Repo, gate: gate{name: GitHub, now: now}}, nil
}

// Name is GitHub.
func (c *GitHubClient) Name() Name { return GitHub }

// Target is the repository Create files into.
func (c *GitHubClient) Target() string { return c.repo }

// Poll asks for each link's issue with If-None-Match, so an unchanged
// issue is a 304 that costs no rate limit. It stops at the first problem
// with GitHub itself, and once the rate limit is spent.
func (c *GitHubClient) Poll(ctx context.Context, links []Link) ([]Observation, error) {
	var out []Observation
	for i, l := range links {
		if err := c.gate.check(); err != nil {
			return out, err
		}
		if i >= pollBurst {
			// GitHub asks for requests one at a time and not too fast: its
			// secondary limit counts points per minute.
			select {
			case <-ctx.Done():
				return out, ctx.Err()
			case <-time.After(pollSpacing):
			}
		}
		at := c.gate.now()
		req, err := c.gh.NewRequest(ctx, http.MethodGet, fmt.Sprintf("repos/%s/issues/%d", l.Ref.Repo, l.Ref.Number), nil)
		if err != nil {
			return out, err
		}
		if l.ETag != "" {
			req.Header.Set("If-None-Match", l.ETag)
		}
		var is github.Issue
		resp, err := c.gh.Do(req, &is)
		if resp != nil && resp.StatusCode == http.StatusNotModified {
			c.gate.done(nil)
			out = append(out, Observation{Item: l.Item, ETag: l.ETag, At: at})
			c.spent(resp)
			continue
		}
		if err != nil {
			e := c.problem(resp, err)
			c.gate.done(e)
			if e.Whole() {
				return out, e
			}
			out = append(out, Observation{Item: l.Item, ETag: l.ETag, Err: e, At: at})
			continue
		}
		c.gate.done(nil)
		out = append(out, Observation{Item: l.Item, Changed: true, State: issueState(&is), ETag: resp.Header.Get("ETag"), At: at})
		c.spent(resp)
	}
	return out, nil
}

// A poll's first pollBurst requests go out back to back, the rest
// pollSpacing apart (at most 600 a minute, within GitHub's secondary limit).
const (
	pollBurst   = 50
	pollSpacing = 100 * time.Millisecond
)

// spent holds further requests back until the reset when a response says
// the rate limit is used up.
func (c *GitHubClient) spent(resp *github.Response) {
	if resp.Rate.Limit > 0 && resp.Rate.Remaining == 0 && resp.Rate.Reset.After(c.gate.now()) {
		c.gate.done(&Error{Tracker: GitHub, Problem: Limited, RetryAt: resp.Rate.Reset.Time})
	}
}

// issueState reads an issue (or a pull request, through the issues API).
func issueState(is *github.Issue) State {
	s := State{Open: is.GetState() == "open", Reason: is.GetStateReason()}
	if pr := is.PullRequestLinks; pr != nil {
		s.Pull, s.Merged = true, pr.MergedAt != nil
	}
	return s
}

// problem turns a failed request into an *Error.
func (c *GitHubClient) problem(resp *github.Response, err error) *Error {
	e := &Error{Tracker: GitHub, Detail: githubDetail(err)}
	var rate *github.RateLimitError
	var abuse *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rate):
		e.Problem, e.RetryAt = Limited, rate.Rate.Reset.Time
		if !e.RetryAt.After(c.gate.now()) {
			e.RetryAt = c.gate.now().Add(defaultLimit)
		}
	case errors.As(err, &abuse):
		e.Problem, e.RetryAt = Limited, c.gate.now().Add(defaultLimit)
		if abuse.RetryAfter != nil {
			e.RetryAt = c.gate.now().Add(*abuse.RetryAfter)
		}
	case resp == nil:
		e.Problem = Unreachable
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Problem, e.RetryAt = Limited, retryAfter(resp.Header, c.gate.now())
	case resp.StatusCode == http.StatusUnauthorized:
		e.Problem = Refused
	case resp.StatusCode == http.StatusForbidden && resp.Header.Get("Retry-After") != "":
		e.Problem, e.RetryAt = Limited, retryAfter(resp.Header, c.gate.now())
	case resp.StatusCode == http.StatusNotFound, resp.StatusCode == http.StatusGone, resp.StatusCode == http.StatusForbidden:
		e.Problem = NotFound
	case resp.StatusCode >= 500:
		e.Problem = Unreachable
	default:
		e.Problem = Rejected
	}
	return e
}

// githubDetail is GitHub's message for err, without the request's URL.
func githubDetail(err error) string {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		if er.Message != "" {
			return fmt.Sprintf("%d %s", er.Response.StatusCode, er.Message)
		}
		return er.Response.Status
	}
	var rate *github.RateLimitError
	if errors.As(err, &rate) {
		return rate.Message
	}
	var abuse *github.AbuseRateLimitError
	if errors.As(err, &abuse) {
		return abuse.Message
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// Create files issue in the configured repository.
func (c *GitHubClient) Create(ctx context.Context, issue NewIssue) (Ref, State, error) {
	if c.repo == "" {
		return Ref{}, State{}, &Error{Tracker: GitHub, Problem: Rejected, Detail: "no repository configured"}
	}
	if err := c.gate.check(); err != nil {
		return Ref{}, State{}, err
	}
	owner, name, _ := strings.Cut(c.repo, "/")
	title, body := cut(issue.Title, 256), githubBody(issue)
	is, resp, err := c.gh.Issues.Create(ctx, owner, name, &github.IssueRequest{Title: &title, Body: &body})
	if err != nil {
		e := c.problem(resp, err)
		c.gate.done(e)
		return Ref{}, State{}, e
	}
	c.gate.done(nil)
	c.spent(resp)
	ref := Ref{Tracker: GitHub, Repo: c.repo, Number: is.GetNumber(), URL: is.GetHTMLURL()}
	return ref, issueState(is), nil
}

// githubBody is a filed issue's Markdown. The request text is quoted and
// written through githubText, so it is shown as typed and mentions no one.
func githubBody(issue NewIssue) string {
	var b strings.Builder
	for line := range strings.SplitSeq(cut(issue.Text, maxText), "\n") {
		b.WriteString("> " + githubText(line) + "\n")
	}
	b.WriteString("\n")
	for _, f := range issueFacts(issue) {
		fmt.Fprintf(&b, "- **%s:** %s\n", f[0], githubText(f[1]))
	}
	if len(issue.Links) > 0 {
		b.WriteString("\nAsked in Slack:\n")
		for _, l := range issue.Links {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	fmt.Fprintf(&b, "\n_Filed from Liaison item #%d._\n", issue.Item)
	return b.String()
}

// githubEntities writes the characters GitHub's Markdown would read as HTML
// as entities, so "<b>" stays text.
var githubEntities = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// githubReference is what GitHub links from text: @user, @org/team, #12,
// owner/repo#12, GH-12.
var githubReference = regexp.MustCompile(`@([A-Za-z0-9])|#([0-9])|\bGH-([0-9])`)

// githubText is user text as it goes into an issue's Markdown: HTML stays
// text, and a zero-width space after "@", "#" and "GH-" keeps a mention
// from pinging anyone and a reference from marking another issue.
func githubText(s string) string {
	s = githubEntities.Replace(s)
	return githubReference.ReplaceAllStringFunc(s, func(m string) string {
		return m[:len(m)-1] + "\u200b" + m[len(m)-1:]
	})
}

// issueFacts are the facts a filed issue lists beside the request.
func issueFacts(issue NewIssue) [][2]string {
	labels, score := "none", "not scored"
	if len(issue.Labels) > 0 {
		labels = strings.Join(issue.Labels, ", ")
	}
	if issue.Score != "" {
		score = issue.Score
	}
	people := "1 person"
	if issue.Asked != 1 {
		people = fmt.Sprintf("%d people", issue.Asked)
	}
	return [][2]string{
		{"Kind", issue.Kind},
		{"Asked by", people},
		{"Labels", labels},
		{"RICE score", score},
	}
}
