// Package tracker follows the GitHub and Jira issues that backlog items link
// to, and files new ones: which URL names which issue, what an issue's
// state means for its item, and the two trackers' Web APIs. It knows no
// Slack and no SQL.
package tracker

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Name is a tracker Liaison follows.
type Name string

// The trackers.
const (
	GitHub Name = "github"
	Jira   Name = "jira"
)

// Names lists the trackers in the order they are shown.
var Names = []Name{GitHub, Jira}

// Label is the tracker's name as people write it.
func (n Name) Label() string {
	switch n {
	case GitHub:
		return "GitHub"
	case Jira:
		return "Jira"
	}
	return string(n)
}

// ParseName reads "github" or "jira", in any case.
func ParseName(s string) (Name, bool) {
	for _, n := range Names {
		if strings.EqualFold(s, string(n)) {
			return n, true
		}
	}
	return "", false
}

// Ref names one issue in a tracker.
type Ref struct {
	Tracker Name
	// Repo is "owner/name" on GitHub, the project key on Jira.
	Repo string
	// Number is the issue or pull request number (on Jira, the number
	// after the project key).
	Number int
	// Pull says a GitHub number is a pull request.
	Pull bool
	// URL is the web address, as people open it.
	URL string
}

// String is the issue as developers write it: "acme/app#12", "PROD-7".
func (r Ref) String() string {
	if r.Tracker == Jira {
		return r.Key()
	}
	return fmt.Sprintf("%s#%d", r.Repo, r.Number)
}

// Key is a Jira issue's key, "PROD-7".
func (r Ref) Key() string { return fmt.Sprintf("%s-%d", r.Repo, r.Number) }

// Hosts says which web hosts are the configured trackers': a URL on
// another host is linked but not followed.
type Hosts struct {
	GitHub []string // "github.com", and a GitHub Enterprise host; none when GitHub is off
	Jira   string   // the Jira site's host, "acme.atlassian.net"; "" when Jira is off
}

var (
	githubPath = regexp.MustCompile(`^/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100})/(issues|pull)/([0-9]{1,9})(?:/.*)?$`)
	jiraPath   = regexp.MustCompile(`/browse/([A-Z][A-Z0-9_]{0,49})-([0-9]{1,9})/?$`)
)

// Parse reads a GitHub issue or pull request URL, or a Jira issue URL, on
// one of hosts. ok is false for any other URL.
func Parse(raw string, hosts Hosts) (ref Ref, ok bool) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.User != nil {
		return Ref{}, false
	}
	host := strings.ToLower(u.Hostname())
	if slices.Contains(hosts.GitHub, strings.TrimPrefix(host, "www.")) {
		if m := githubPath.FindStringSubmatch(u.Path); m != nil {
			n, _ := strconv.Atoi(m[4])
			if n == 0 {
				return Ref{}, false
			}
			r := Ref{Tracker: GitHub, Repo: m[1] + "/" + m[2], Number: n, Pull: m[3] == "pull"}
			r.URL = fmt.Sprintf("%s://%s/%s/%s/%d", u.Scheme, u.Host, r.Repo, m[3], n)
			return r, true
		}
	}
	if hosts.Jira != "" && host == hosts.Jira {
		if m := jiraPath.FindStringSubmatch(u.Path); m != nil {
			n, _ := strconv.Atoi(m[2])
			base := strings.TrimSuffix(u.Path[:len(u.Path)-len(m[0])], "/")
			r := Ref{Tracker: Jira, Repo: m[1], Number: n}
			r.URL = fmt.Sprintf("%s://%s%s/browse/%s", u.Scheme, u.Host, base, r.Key())
			return r, true
		}
	}
	return Ref{}, false
}

// ValidRepo reports whether s is a GitHub "owner/name".
func ValidRepo(s string) bool {
	owner, name, ok := strings.Cut(s, "/")
	return ok && githubPath.MatchString("/"+owner+"/"+name+"/issues/1")
}

var jiraProject = regexp.MustCompile(`^[A-Z][A-Z0-9_]{0,49}$`)

// ValidProject reports whether s is a Jira project key, "PROD".
func ValidProject(s string) bool { return jiraProject.MatchString(s) }
