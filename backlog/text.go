package backlog

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxTitle is the longest title, in characters, including a trailing "…".
const MaxTitle = 120

// kindPrefix matches a leading "feature:", "bug:", "feedback:" or "idea:".
var kindPrefix = regexp.MustCompile(`(?i)^\s*(feature|bug|feedback|idea)\s*:\s*`)

// SplitKind reads a leading kind prefix off text. It returns the kind, the
// text after the prefix, and whether there was a prefix; without one the
// kind is def and the text is returned trimmed.
func SplitKind(text string, def Kind) (Kind, string, bool) {
	m := kindPrefix.FindStringSubmatchIndex(text)
	if m == nil {
		return def, strings.TrimSpace(text), false
	}
	kind, _ := ParseKind(text[m[2]:m[3]]) // the pattern only matches valid kinds
	return kind, strings.TrimSpace(text[m[1]:]), true
}

// CleanText makes user text safe to store: invalid UTF-8 becomes U+FFFD,
// CRLF becomes LF, and control characters other than tab and newline go.
func CleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// CutBody limits text to max characters; a cut body carries a visible note
// saying so, appended to the stored text itself.
func CutBody(text string, max int) string {
	if utf8.RuneCountInString(text) <= max {
		return text
	}
	runes := []rune(text)
	return strings.TrimRight(string(runes[:max]), " \t\n") + fmt.Sprintf("\n\n(cut at %s characters)", Thousands(max))
}

// Thousands formats n with comma separators: 10000 → "10,000".
func Thousands(n int) string {
	s := fmt.Sprint(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// Title derives a title from text: its first line, or its first sentence if
// that ends sooner, at most MaxTitle characters, cut on a word with "…".
// Slack's <…> tokens (mentions, links) are never cut in half.
func Title(text string) string {
	text = strings.TrimSpace(text)
	line, _, _ := strings.Cut(text, "\n")
	line = strings.TrimSpace(line)
	if loc := firstSentenceEnd(line); loc > 0 {
		line = line[:loc]
	}
	line = strings.TrimRight(strings.TrimSpace(line), ".")
	if line == "" {
		return ""
	}
	line = strings.Join(strings.Fields(line), " ")
	if utf8.RuneCountInString(line) <= MaxTitle {
		return line
	}
	runes := []rune(line)
	cut := MaxTitle - 1 // room for "…"
	// Back off to a word boundary, if there is one in the second half.
	for i := cut; i > MaxTitle/2; i-- {
		if runes[i] == ' ' {
			cut = i
			break
		}
	}
	// Never leave half a Slack token: if a '<' opened before the cut and
	// did not close, cut before it.
	head := string(runes[:cut])
	if open := strings.LastIndex(head, "<"); open >= 0 && !strings.Contains(head[open:], ">") && open > 0 {
		head = head[:open]
	}
	return strings.TrimRight(head, " ,;:-") + "…"
}

// firstSentenceEnd returns the byte offset just past a first sentence's
// closing punctuation, ignoring punctuation inside Slack's <…> tokens, or -1.
func firstSentenceEnd(s string) int {
	depth := 0
	for i, r := range s {
		switch r {
		case '<':
			depth++
		case '>':
			if depth > 0 {
				depth--
			}
		case '.', '!', '?':
			if depth > 0 {
				continue
			}
			j := i + 1
			for j < len(s) && strings.ContainsRune(".!?", rune(s[j])) {
				j++
			}
			if j < len(s) && (s[j] == ' ' || s[j] == '\t') {
				if r == '.' {
					return i // drop the full stop itself
				}
				return j
			}
		}
	}
	return -1
}
