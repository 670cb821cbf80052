package bot

import "strings"

// escaper replaces the three characters Slack's mrkdwn gives meaning to.
var escaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

// Escape makes user text safe to embed in mrkdwn: it can no longer ping
// <!channel>, <!here>, <!everyone> or a user group, nor render a disguised
// <url|label> link. Every piece of user text the bot echoes goes through here;
// plain_text objects carry raw text instead and need no escaping.
func Escape(s string) string { return escaper.Replace(s) }
