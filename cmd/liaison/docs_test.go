package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMELinksStayInTheRepository: the README links only to files in
// the repository, and those files exist.
func TestREADMELinksStayInTheRepository(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	// Code is shown, never linked: drop fenced blocks and inline code.
	text := regexp.MustCompile("(?s)```.*?```").ReplaceAllString(string(raw), "")
	text = regexp.MustCompile("`[^`\n]*`").ReplaceAllString(text, "")
	for _, m := range regexp.MustCompile(`https?://\S+|www\.\S+`).FindAllString(text, -1) {
		t.Errorf("the README links outside the repository: %s", m)
	}
	for _, m := range regexp.MustCompile(`\]\(([^)]+)\)`).FindAllStringSubmatch(string(raw), -1) {
		target := strings.SplitN(m[1], "#", 2)[0]
		if strings.Contains(target, ":") {
			t.Errorf("the README links to %s, outside the repository", m[1])
			continue
		}
		if _, err := os.Stat(filepath.Join(repoRoot, target)); target != "" && err != nil {
			t.Errorf("the README links to %s, which is not in the repository", m[1])
		}
	}
}
