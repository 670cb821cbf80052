package bot

import (
	"regexp"
	"strings"

	"github.com/slack-go/slack"
)

// render_text.go reads Block Kit back as terminal text: the shell's output
// and `liaison digest preview`. It is the one renderer from blocks to text.

// BlocksText renders blocks as plain lines: a header in capitals, sections
// and context as text with mrkdwn read (see MrkdwnText), fields as
// "Name: value", buttons and selects as [label], inputs as "Label: [value]",
// a divider as an empty line.
func BlocksText(blocks []slack.Block) string {
	var b strings.Builder
	line := func(s string) {
		if s = strings.TrimRight(s, " \n"); s != "" {
			b.WriteString(s + "\n")
		}
	}
	for _, bl := range blocks {
		switch v := bl.(type) {
		case *slack.HeaderBlock:
			line(strings.ToUpper(objectText(v.Text)))
		case *slack.SectionBlock:
			text := objectText(v.Text)
			if v.Accessory != nil {
				text = strings.TrimSpace(text + " " + accessoryText(v.Accessory))
			}
			line(text)
			for _, f := range v.Fields {
				name, value, ok := strings.Cut(objectText(f), "\n")
				if !ok {
					line(name)
					continue
				}
				line(name + ": " + strings.ReplaceAll(value, "\n", " "))
			}
		case *slack.ContextBlock:
			for _, e := range v.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					line(objectText(t))
				}
			}
		case *slack.ActionBlock:
			var parts []string
			for _, e := range v.Elements.ElementSet {
				parts = append(parts, elementText(e))
			}
			line(strings.Join(parts, " "))
		case *slack.InputBlock:
			line(objectText(v.Label) + ": " + elementText(v.Element))
		case *slack.DividerBlock:
			b.WriteString("\n")
		case *slack.ImageBlock:
			line("[image: " + v.AltText + "]")
		}
	}
	return b.String()
}

// objectText is a text object as plain text; mrkdwn is read.
func objectText(t *slack.TextBlockObject) string {
	switch {
	case t == nil:
		return ""
	case t.Type == slack.MarkdownType:
		return MrkdwnText(t.Text)
	}
	return t.Text
}

// accessoryText is a section's accessory: a button or a select.
func accessoryText(a *slack.Accessory) string {
	switch {
	case a.ButtonElement != nil:
		return elementText(a.ButtonElement)
	case a.SelectElement != nil:
		return elementText(a.SelectElement)
	}
	return ""
}

// elementText is an interactive element as it reads on screen.
func elementText(e slack.BlockElement) string {
	switch v := e.(type) {
	case *slack.ButtonBlockElement:
		return "[" + objectText(v.Text) + "]"
	case *slack.SelectBlockElement:
		label := objectText(v.Placeholder)
		if v.InitialOption != nil {
			label = objectText(v.InitialOption.Text)
		}
		return "[" + label + " ▾]"
	case *slack.PlainTextInputBlockElement:
		if v.InitialValue != "" {
			return "[" + strings.ReplaceAll(v.InitialValue, "\n", " ") + "]"
		}
		if p := objectText(v.Placeholder); p != "" {
			return "[ ] e.g. " + p
		}
		return "[ ]"
	}
	return ""
}

// slackToken is one of Slack's <…> tokens in mrkdwn.
var slackToken = regexp.MustCompile(`<([^<>]*)>`)

// Bold and italic as Slack reads them: a pair of markers around text that
// neither starts nor ends with a space, not inside a word.
var (
	bold   = regexp.MustCompile(`(^|[^\w*])\*([^*\s](?:[^*\n]*[^*\s])?)\*($|[^\w*])`)
	italic = regexp.MustCompile(`(^|[^\w_])_([^_\s](?:[^_\n]*[^_\s])?)_($|[^\w_])`)
)

// stripEmphasis removes bold and italic markers outside `code`.
func stripEmphasis(s string) string {
	parts := strings.Split(s, "`")
	for i := 0; i < len(parts); i += 2 {
		for _, re := range []*regexp.Regexp{bold, italic} {
			// Again until nothing changes: neighbours share the character between them.
			for next := re.ReplaceAllString(parts[i], "$1$2$3"); next != parts[i]; next = re.ReplaceAllString(parts[i], "$1$2$3") {
				parts[i] = next
			}
		}
	}
	return strings.Join(parts, "`")
}

// MrkdwnText reads mrkdwn as plain text: *bold* and _italic_ lose their
// markers (a lone * or _, and `code`, stay as written), <@U1> reads "@U1", <#C1|name> "#name", <url|label> "label
// (url)", <!date^…|fallback> its fallback, and entities are decoded.
func MrkdwnText(s string) string {
	s = slackToken.ReplaceAllStringFunc(s, func(tok string) string {
		body := tok[1 : len(tok)-1]
		ref, label, hasLabel := strings.Cut(body, "|")
		switch {
		case strings.HasPrefix(ref, "@"):
			return ref
		case strings.HasPrefix(ref, "#") && hasLabel:
			return "#" + label
		case strings.HasPrefix(ref, "#"):
			return ref
		case strings.HasPrefix(ref, "!") && hasLabel:
			return label
		case strings.HasPrefix(ref, "!"):
			return "@" + strings.TrimPrefix(ref, "!")
		case hasLabel:
			return label + " (" + ref + ")"
		}
		return ref
	})
	s = stripEmphasis(s)
	return Unescape(s)
}
