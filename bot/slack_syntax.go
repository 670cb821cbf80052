package bot

import (
	"regexp"
	"strings"
)

// slackID reports whether s has the shape of a Slack id whose first letter
// is one of first: that capital, then capitals and digits.
func slackID(s, first string) bool {
	if len(s) < 2 || !strings.ContainsRune(first, rune(s[0])) {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'A' || c > 'Z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// IsUserID reports whether s is a Slack user id (U…, or W… on Enterprise Grid).
func IsUserID(s string) bool { return slackID(s, "UW") }

// IsChannelID reports whether s is a Slack conversation id: a channel, a
// private channel or a DM.
func IsChannelID(s string) bool { return slackID(s, "CGD") }

// IsUserGroupID reports whether s is a Slack user group id.
func IsUserGroupID(s string) bool { return slackID(s, "S") }

// userToken matches a leading user mention as Slack writes it: "<@U123>"
// or "<@U123|name>".
var userToken = regexp.MustCompile(`^<@([^|>]+)(?:\|[^>]*)?>`)

// channelToken matches a channel link as Slack writes it: "<#C123>" or "<#C123|name>".
var channelToken = regexp.MustCompile(`^<#([^|>]+)(?:\|([^>]*))?>$`)

// leadingMention is a user mention at the start of text, with the spaces
// and punctuation after it; ok is false when text starts with none.
func leadingMention(text string) (user, rest string, ok bool) {
	trimmed := strings.TrimLeft(text, " \t\n\f\r")
	m := userToken.FindStringSubmatch(trimmed)
	if m == nil || !IsUserID(m[1]) {
		return "", text, false
	}
	return m[1], strings.TrimLeft(trimmed[len(m[0]):], " \t\n\f\r:,"), true
}

// mentionedUser reads a word that is exactly one user mention.
func mentionedUser(word string) (string, bool) {
	user, rest, ok := leadingMention(word)
	return user, ok && rest == "" && strings.HasPrefix(word, "<@")
}

// mentionedChannel reads a word that is exactly one channel link: its id,
// and the name Slack gave it ("" when none).
func mentionedChannel(word string) (id, name string, ok bool) {
	m := channelToken.FindStringSubmatch(word)
	if m == nil || !IsChannelID(m[1]) {
		return "", "", false
	}
	return m[1], m[2], true
}

// stripBotMention removes a leading mention of botUserID from text.
func stripBotMention(text, botUserID string) string {
	if user, rest, ok := leadingMention(text); ok && user == botUserID {
		return strings.TrimSpace(rest)
	}
	return strings.TrimSpace(text)
}

// labelWords turns channel links back into the "#label" a person typed:
// Slack writes "#billing" as "<#C123|billing>" when a channel has that name.
func labelWords(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if _, name, ok := mentionedChannel(w); ok && name != "" {
			w = "#" + name
		}
		out[i] = w
	}
	return out
}
