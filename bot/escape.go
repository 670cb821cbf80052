package bot

import (
	"strings"

	"github.com/slack-go/slack/slackutilsx"
)

// Escape makes user text safe to embed in mrkdwn: it can no longer ping
// <!channel>, <!here>, <!everyone> or a user group, nor render a disguised
// <url|label> link (slack-go encodes &, < and >, as Slack's docs ask).
// Every piece of user text the bot echoes goes through here; plain_text
// objects carry raw text instead and need no escaping.
func Escape(s string) string { return slackutilsx.EscapeMessage(s) }

// unescaper reverses the entity encoding Slack applies to message text.
var unescaper = strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&")

// Unescape decodes the &amp;, &lt; and &gt; Slack puts in message and
// command text, so what is stored reads as the person typed it. Slack's own
// <…> tokens arrive raw and stay as they are; Escape encodes all of it again
// on the way out.
func Unescape(s string) string { return unescaper.Replace(s) }
