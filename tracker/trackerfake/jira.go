package trackerfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// The account the fake Jira accepts.
const (
	JiraEmail = "bot@example.com"
	JiraToken = "ATATT-faketoken"
)

// Jira is a fake Jira Cloud REST API (v3): issues with statuses in
// categories, the JQL search Liaison sends, and issue creation.
type Jira struct {
	srv    *httptest.Server
	faults faults

	mu       sync.Mutex
	issues   map[string]*jiraIssue // by key
	moved    map[string]string     // an old key → the key it was moved to
	hidden   map[string]bool       // issues the account may not see now
	projects map[string]int        // project key → last number
	types    []string              // issue types a project has
	created  []Created
	searches []string // the JQL of each search
	gets     int
}

type jiraIssue struct {
	status, category string
	updated          time.Time
}

// NewJira starts a fake Jira with project keys, each with the issue types
// Task and Bug; it is closed when the test ends.
func NewJira(t testing.TB, projects ...string) *Jira {
	j := &Jira{issues: map[string]*jiraIssue{}, moved: map[string]string{}, hidden: map[string]bool{}, projects: map[string]int{}, types: []string{"Task", "Bug"}}
	for _, p := range projects {
		j.projects[p] = 0
	}
	j.srv = httptest.NewServer(http.HandlerFunc(j.serve))
	t.Cleanup(j.srv.Close)
	return j
}

// URL is the site's base URL.
func (j *Jira) URL() string { return j.srv.URL }

// IssueURL is the web address of issue key.
func (j *Jira) IssueURL(key string) string { return j.srv.URL + "/browse/" + key }

// SetTypes sets the issue types every project has.
func (j *Jira) SetTypes(types ...string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.types = types
}

// AddIssue makes an issue in project, in To Do, and returns its key.
func (j *Jira) AddIssue(project string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.add(project)
}

func (j *Jira) add(project string) string {
	j.projects[project]++
	key := fmt.Sprintf("%s-%d", project, j.projects[project])
	j.issues[key] = &jiraIssue{status: "To Do", category: "new", updated: time.Now()}
	return key
}

// Move puts issue key in status, of category "new", "indeterminate" or "done".
func (j *Jira) Move(key, status, category string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	is := j.issues[key]
	if is == nil {
		panic("trackerfake: no Jira issue " + key)
	}
	is.status, is.category, is.updated = status, category, time.Now()
}

// MoveToProject moves issue key to project, under a new key it returns;
// the old key still finds it, as in Jira.
func (j *Jira) MoveToProject(key, project string) string {
	j.mu.Lock()
	defer j.mu.Unlock()
	is := j.issues[key]
	if is == nil {
		panic("trackerfake: no Jira issue " + key)
	}
	j.projects[project]++
	to := fmt.Sprintf("%s-%d", project, j.projects[project])
	delete(j.issues, key)
	j.issues[to] = is
	j.moved[key] = to
	is.updated = time.Now()
	return to
}

// resolve is the key an issue asked for as key has now.
func (j *Jira) resolve(key string) string {
	if to, ok := j.moved[key]; ok {
		return to
	}
	return key
}

// Hide makes issue key invisible to Liaison's account (a permission
// change), or visible again.
func (j *Jira) Hide(key string, hidden bool) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.hidden[key] = hidden
}

// Delete removes issue key.
func (j *Jira) Delete(key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	delete(j.issues, key)
}

// Fail answers the next n requests with f.
func (j *Jira) Fail(f Fault, n int) { j.faults.add(f, n) }

// Searches lists the JQL of every search, oldest first.
func (j *Jira) Searches() []string {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]string(nil), j.searches...)
}

// Created lists the issues filed through the API, oldest first.
func (j *Jira) Created() []Created {
	j.mu.Lock()
	defer j.mu.Unlock()
	return append([]Created(nil), j.created...)
}

func (j *Jira) serve(w http.ResponseWriter, r *http.Request) {
	if j.faults.serve(w) {
		return
	}
	if email, token, ok := r.BasicAuth(); !ok || email != JiraEmail || token != JiraToken {
		writeJSON(w, http.StatusUnauthorized, map[string]any{"errorMessages": []string{"Client must be authenticated to access this resource."}})
		return
	}
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/search/jql":
		j.search(w, r)
	case r.Method == http.MethodPost && r.URL.Path == "/rest/api/3/issue":
		j.create(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/rest/api/3/issue/"):
		j.get(w, strings.TrimPrefix(r.URL.Path, "/rest/api/3/issue/"))
	default:
		writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"Not found"}})
	}
}

var (
	jqlKeys    = regexp.MustCompile(`^key in \(([^)]*)\)`)
	jqlUpdated = regexp.MustCompile(`AND updated >= "-(\d+)m"$`)
)

func (j *Jira) search(w http.ResponseWriter, r *http.Request) {
	var in struct {
		JQL    string   `json:"jql"`
		Fields []string `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"Invalid request payload."}})
		return
	}
	m := jqlKeys.FindStringSubmatch(in.JQL)
	if m == nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"The fake reads only key in (…) searches."}})
		return
	}
	var since time.Time
	if u := jqlUpdated.FindStringSubmatch(in.JQL); u != nil {
		mins, _ := strconv.Atoi(u[1])
		since = time.Now().Add(-time.Duration(mins) * time.Minute)
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	j.searches = append(j.searches, in.JQL)
	var out []map[string]any
	for k := range strings.SplitSeq(m[1], ",") {
		k = j.resolve(strings.TrimSpace(k))
		is := j.issues[k]
		if j.hidden[k] {
			is = nil
		}
		if is == nil {
			// As Jira does: one unknown key fails the whole search.
			writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{fmt.Sprintf("An issue with key '%s' does not exist for field 'key'.", k)}})
			return
		}
		if is.updated.Before(since) {
			continue
		}
		out = append(out, issueJSON(k, is))
	}
	writeJSON(w, http.StatusOK, map[string]any{"issues": out, "isLast": true})
}

func issueJSON(key string, is *jiraIssue) map[string]any {
	return map[string]any{"key": key, "fields": map[string]any{"status": map[string]any{
		"name": is.status, "statusCategory": map[string]any{"key": is.category}}}}
}

func (j *Jira) get(w http.ResponseWriter, key string) {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.gets++
	key = j.resolve(key)
	is := j.issues[key]
	if j.hidden[key] {
		is = nil
	}
	if is == nil {
		writeJSON(w, http.StatusNotFound, map[string]any{"errorMessages": []string{"Issue does not exist or you do not have permission to see it."}})
		return
	}
	writeJSON(w, http.StatusOK, issueJSON(key, is))
}

func (j *Jira) create(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields struct {
			Project struct {
				Key string `json:"key"`
			} `json:"project"`
			Summary   string `json:"summary"`
			IssueType struct {
				Name string `json:"name"`
			} `json:"issuetype"`
			Description json.RawMessage `json:"description"`
		} `json:"fields"`
	}
	if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errorMessages": []string{"Invalid request payload."}})
		return
	}
	f := in.Fields
	j.mu.Lock()
	defer j.mu.Unlock()
	if _, ok := j.projects[f.Project.Key]; !ok {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"project": "valid project is required"}})
		return
	}
	known := false
	for _, t := range j.types {
		known = known || t == f.IssueType.Name
	}
	if !known {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"issuetype": "Specify a valid issue type"}})
		return
	}
	if f.Summary == "" {
		writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string]string{"summary": "You must specify a summary of the issue."}})
		return
	}
	key := j.add(f.Project.Key)
	n, _ := strconv.Atoi(strings.TrimPrefix(key, f.Project.Key+"-"))
	j.created = append(j.created, Created{Repo: f.Project.Key, Number: n, Title: f.Summary, Body: string(f.Description), Type: f.IssueType.Name})
	writeJSON(w, http.StatusCreated, map[string]string{"id": strconv.Itoa(10000 + len(j.created)), "key": key, "self": j.srv.URL + "/rest/api/3/issue/" + key})
}
