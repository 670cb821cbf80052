package tracker

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// JiraConfig is trackers.jira.
type JiraConfig struct {
	URL     string // https://acme.atlassian.net
	Email   string
	Token   string
	Project string // project key that Create files into; "" disables it
}

// JiraHost is the web host of issue URLs on the Jira site at siteURL.
func JiraHost(siteURL string) string {
	u, err := url.Parse(siteURL)
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// JiraClient asks Jira Cloud's REST API (v3) about issues and files new
// ones, authenticated with an account's email and API token.
type JiraClient struct {
	http    *http.Client
	base    string // the site URL without a trailing slash
	email   string
	token   string
	project string
	gate    gate
}

// searchBatch is how many keys one JQL search asks about.
const searchBatch = 50

// NewJira makes a Jira client whose requests go through transport.
func NewJira(cfg JiraConfig, transport http.RoundTripper, now func() time.Time) *JiraClient {
	return &JiraClient{
		http:    httpClient(transport),
		base:    strings.TrimSuffix(cfg.URL, "/"),
		email:   cfg.Email,
		token:   cfg.Token,
		project: cfg.Project,
		gate:    gate{name: Jira, now: now},
	}
}

// Name is Jira.
func (c *JiraClient) Name() Name { return Jira }

// Target is the project Create files into.
func (c *JiraClient) Target() string { return c.project }

// jiraIssue is an issue as Jira's search and issue APIs return it.
type jiraIssue struct {
	Key    string `json:"key"`
	Fields struct {
		Status struct {
			Name     string `json:"name"`
			Category struct {
				Key string `json:"key"`
			} `json:"statusCategory"`
		} `json:"status"`
	} `json:"fields"`
}

func (i jiraIssue) state() State {
	return State{Category: i.Fields.Status.Category.Key, Status: i.Fields.Status.Name}
}

// Poll asks with one JQL search per batch of keys, for the issues updated
// since the batch was last polled (all of them, for links never polled).
// A search Jira refuses (an issue deleted, or moved out of sight) is asked
// again issue by issue, so one missing issue does not hide the others.
func (c *JiraClient) Poll(ctx context.Context, links []Link) ([]Observation, error) {
	var fresh, known []Link
	for _, l := range links {
		if l.Checked.IsZero() || l.Seen == "" {
			fresh = append(fresh, l)
		} else {
			known = append(known, l)
		}
	}
	var out []Observation
	for _, group := range [][]Link{fresh, known} {
		for start := 0; start < len(group); start += searchBatch {
			batch := group[start:min(start+searchBatch, len(group))]
			obs, err := c.pollBatch(ctx, batch)
			out = append(out, obs...)
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// pollBatch polls links with one search, or one by one when Jira refuses
// it. An issue moved to another project is found by its old key but
// answered under its new one: when the search answers keys it was not
// asked about, the links it left out are read one by one too.
func (c *JiraClient) pollBatch(ctx context.Context, links []Link) ([]Observation, error) {
	at := c.gate.now()
	issues, err := c.search(ctx, links)
	if e, ok := errors.AsType[*Error](err); ok && e.Problem == Rejected {
		return c.getEach(ctx, links)
	}
	if err != nil {
		return nil, err
	}
	asked := map[string]bool{}
	for _, l := range links {
		asked[l.Ref.Key()] = true
	}
	renamed := false
	for k := range issues {
		renamed = renamed || !asked[k]
	}
	out := make([]Observation, 0, len(links))
	var missing []Link
	for _, l := range links {
		is, ok := issues[l.Ref.Key()]
		switch {
		case ok:
			out = append(out, Observation{Item: l.Item, Changed: true, State: is.state(), At: at})
		case renamed:
			missing = append(missing, l)
		default:
			out = append(out, Observation{Item: l.Item, At: at})
		}
	}
	more, err := c.getEach(ctx, missing)
	return append(out, more...), err
}

// getEach reads links one by one.
func (c *JiraClient) getEach(ctx context.Context, links []Link) ([]Observation, error) {
	var out []Observation
	for _, l := range links {
		o, err := c.get(ctx, l)
		if err != nil {
			return out, err
		}
		out = append(out, o)
	}
	return out, nil
}

// search runs one JQL search for links' keys and returns the issues found, by key.
func (c *JiraClient) search(ctx context.Context, links []Link) (map[string]jiraIssue, error) {
	keys := make([]string, len(links))
	var since time.Time
	for i, l := range links {
		keys[i] = l.Ref.Key()
		if !l.Checked.IsZero() && (since.IsZero() || l.Checked.Before(since)) {
			since = l.Checked
		}
	}
	jql := "key in (" + strings.Join(keys, ", ") + ")"
	if !since.IsZero() {
		// Relative minutes: Jira reads absolute times in the account's own
		// zone. One more minute covers its minute granularity.
		mins := int(c.gate.now().Sub(since)/time.Minute) + 2
		jql += fmt.Sprintf(` AND updated >= "-%dm"`, mins)
	}
	found := map[string]jiraIssue{}
	next := ""
	for {
		body := map[string]any{"jql": jql, "fields": []string{"status"}, "maxResults": searchBatch}
		if next != "" {
			body["nextPageToken"] = next
		}
		var page struct {
			Issues        []jiraIssue `json:"issues"`
			NextPageToken string      `json:"nextPageToken"`
			IsLast        bool        `json:"isLast"`
		}
		if err := c.do(ctx, http.MethodPost, "/rest/api/3/search/jql", body, &page); err != nil {
			if e, ok := errors.AsType[*Error](err); ok && e.Problem == NotFound {
				// No search API at this address: the site URL is wrong (or
				// it is no Jira Cloud). Every issue waits: say so as a
				// problem of the whole tracker.
				return nil, &Error{Tracker: Jira, Problem: Unreachable, Detail: "no search API at trackers.jira.url (" + e.Detail + "); it should be the site's address, e.g. https://acme.atlassian.net"}
			}
			return nil, err
		}
		for _, is := range page.Issues {
			found[is.Key] = is
		}
		if page.IsLast || page.NextPageToken == "" || len(page.Issues) == 0 {
			return found, nil
		}
		next = page.NextPageToken
	}
}

// get asks about one issue.
func (c *JiraClient) get(ctx context.Context, l Link) (Observation, error) {
	at := c.gate.now()
	var is jiraIssue
	err := c.do(ctx, http.MethodGet, "/rest/api/3/issue/"+url.PathEscape(l.Ref.Key())+"?fields=status", nil, &is)
	if e, ok := errors.AsType[*Error](err); ok && !e.Whole() {
		return Observation{Item: l.Item, Err: e, At: at}, nil
	}
	if err != nil {
		return Observation{}, err
	}
	return Observation{Item: l.Item, Changed: true, State: is.state(), At: at}, nil
}

// Create files issue in the configured project: a Bug for a bug, a Task
// otherwise (and a Task when the project has no Bug type).
func (c *JiraClient) Create(ctx context.Context, issue NewIssue) (Ref, State, error) {
	if c.project == "" {
		return Ref{}, State{}, &Error{Tracker: Jira, Problem: Rejected, Detail: "no project configured"}
	}
	types := []string{"Task"}
	if issue.Kind == "bug" {
		types = []string{"Bug", "Task"}
	}
	var created struct {
		Key string `json:"key"`
	}
	var err error
	for _, typ := range types {
		fields := map[string]any{
			"project":     map[string]string{"key": c.project},
			"summary":     cut(issue.Title, 255),
			"issuetype":   map[string]string{"name": typ},
			"description": jiraDescription(issue),
		}
		err = c.do(ctx, http.MethodPost, "/rest/api/3/issue", map[string]any{"fields": fields}, &created)
		if e, ok := errors.AsType[*Error](err); !ok || e.Problem != Rejected {
			break
		}
	}
	if err != nil {
		return Ref{}, State{}, err
	}
	project, num, _ := strings.Cut(created.Key, "-")
	n, convErr := strconv.Atoi(num)
	if convErr != nil || project == "" {
		return Ref{}, State{}, &Error{Tracker: Jira, Problem: Rejected, Detail: fmt.Sprintf("unexpected issue key %q", created.Key)}
	}
	ref := Ref{Tracker: Jira, Repo: project, Number: n, URL: c.base + "/browse/" + created.Key}
	return ref, State{Category: "new"}, nil
}

// jiraDescription is a filed issue's description in Atlassian Document
// Format: text nodes are literal, so nothing in the request is markup.
func jiraDescription(issue NewIssue) map[string]any {
	text := func(s string) map[string]any { return map[string]any{"type": "text", "text": s} }
	para := func(nodes ...map[string]any) map[string]any {
		return map[string]any{"type": "paragraph", "content": nodes}
	}
	var quoted []map[string]any
	for p := range strings.SplitSeq(cut(issue.Text, maxText), "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			quoted = append(quoted, para(text(p)))
		}
	}
	if len(quoted) == 0 {
		quoted = append(quoted, para(text(issue.Title)))
	}
	item := func(nodes ...map[string]any) map[string]any {
		return map[string]any{"type": "listItem", "content": []map[string]any{para(nodes...)}}
	}
	var facts []map[string]any
	for _, f := range issueFacts(issue) {
		facts = append(facts, item(map[string]any{"type": "text", "text": f[0] + ": ", "marks": []map[string]any{{"type": "strong"}}}, text(f[1])))
	}
	content := []map[string]any{
		{"type": "blockquote", "content": quoted},
		{"type": "bulletList", "content": facts},
	}
	if len(issue.Links) > 0 {
		var links []map[string]any
		for _, l := range issue.Links {
			links = append(links, item(map[string]any{"type": "text", "text": l,
				"marks": []map[string]any{{"type": "link", "attrs": map[string]string{"href": l}}}}))
		}
		content = append(content, para(text("Asked in Slack:")), map[string]any{"type": "bulletList", "content": links})
	}
	content = append(content, para(text(fmt.Sprintf("Filed from Liaison item #%d.", issue.Item))))
	return map[string]any{"type": "doc", "version": 1, "content": content}
}

// do sends one request to Jira and decodes its JSON answer into out.
func (c *JiraClient) do(ctx context.Context, method, path string, in, out any) error {
	if err := c.gate.check(); err != nil {
		return err
	}
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, body)
	if err != nil {
		return &Error{Tracker: Jira, Problem: Unreachable, Detail: "bad site URL"}
	}
	req.SetBasicAuth(c.email, c.token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		detail := err.Error()
		if ue, ok := errors.AsType[*url.Error](err); ok {
			detail = ue.Err.Error()
		}
		e := &Error{Tracker: Jira, Problem: Unreachable, Detail: detail}
		c.gate.done(e)
		return e
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err == nil && resp.StatusCode/100 == 2 {
		c.gate.done(nil)
		if out == nil {
			return nil
		}
		if err := json.Unmarshal(data, out); err != nil {
			return &Error{Tracker: Jira, Problem: Rejected, Detail: "unreadable answer: " + err.Error()}
		}
		return nil
	}
	e := &Error{Tracker: Jira, Detail: jiraDetail(resp, data)}
	switch {
	case err != nil:
		e.Problem = Unreachable
	case resp.StatusCode == http.StatusTooManyRequests:
		e.Problem, e.RetryAt = Limited, retryAfter(resp.Header, c.gate.now())
	case resp.StatusCode == http.StatusUnauthorized, resp.StatusCode == http.StatusForbidden:
		e.Problem = Refused
	case resp.StatusCode == http.StatusNotFound:
		e.Problem = NotFound
	case resp.StatusCode >= 500:
		e.Problem = Unreachable
	default:
		e.Problem = Rejected
	}
	c.gate.done(e)
	return e
}

// jiraDetail is the status and Jira's own error messages, briefly.
func jiraDetail(resp *http.Response, data []byte) string {
	var answer struct {
		ErrorMessages []string          `json:"errorMessages"`
		Errors        map[string]string `json:"errors"`
	}
	msgs := []string{resp.Status}
	if json.Unmarshal(data, &answer) == nil {
		msgs = append(msgs, answer.ErrorMessages...)
		for k, v := range answer.Errors {
			msgs = append(msgs, k+": "+v)
		}
	}
	return cut(strings.Join(msgs, "; "), 300)
}
