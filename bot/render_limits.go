package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"
)

// Slack's Block Kit limits. Slack rejects a message or view that breaks
// one (invalid_blocks) and the person gets nothing, so every reply passes
// through fit before it leaves.
const (
	maxMessageBlocks = 50   // blocks in a message
	maxViewBlocks    = 100  // blocks in a modal or the App Home
	maxSectionText   = 3000 // characters in a section's text
	maxFieldText     = 2000 // characters in one section field
	maxFields        = 10   // fields in a section
	maxHeaderText    = 150  // characters in a header
	maxContextItems  = 10   // elements in a context block
	maxButtonText    = 75   // characters on a button
	maxOptionText    = 75   // characters in a select option
	maxMessageText   = 4000 // characters of a message's top-level text
	maxInputText     = 3000 // characters a plain_text_input holds
)

// fit makes blocks fit Slack's limits for a message (maxBlocks 50) or a
// view (100): long texts are cut with "…" (never inside an HTML entity or
// a <link>), extra fields, elements and blocks are dropped, the last kept
// block saying how much was left out.
func fit(blocks []slack.Block, maxBlocks int) []slack.Block {
	if len(blocks) > maxBlocks {
		dropped := len(blocks) - maxBlocks + 1
		blocks = append(blocks[:maxBlocks-1:maxBlocks-1], mdContext("…and "+strconv.Itoa(dropped)+" more not shown"))
	}
	for _, b := range blocks {
		switch b := b.(type) {
		case *slack.SectionBlock:
			fitText(b.Text, maxSectionText)
			if len(b.Fields) > maxFields {
				b.Fields = b.Fields[:maxFields]
			}
			for _, f := range b.Fields {
				fitText(f, maxFieldText)
			}
			if b.Accessory != nil && b.Accessory.ButtonElement != nil {
				fitText(b.Accessory.ButtonElement.Text, maxButtonText)
			}
		case *slack.HeaderBlock:
			fitText(b.Text, maxHeaderText)
		case *slack.ContextBlock:
			if len(b.ContextElements.Elements) > maxContextItems {
				b.ContextElements.Elements = b.ContextElements.Elements[:maxContextItems]
			}
			for _, e := range b.ContextElements.Elements {
				if t, ok := e.(*slack.TextBlockObject); ok {
					fitText(t, maxSectionText)
				}
			}
		case *slack.ActionBlock:
			for _, e := range b.Elements.ElementSet {
				switch e := e.(type) {
				case *slack.ButtonBlockElement:
					fitText(e.Text, maxButtonText)
				case *slack.SelectBlockElement:
					for _, o := range e.Options {
						fitText(o.Text, maxOptionText)
					}
				}
			}
		}
	}
	return blocks
}

// fitText cuts t's text to n characters with "…".
func fitText(t *slack.TextBlockObject, n int) {
	if t == nil {
		return
	}
	t.Text = cutMarkup(t.Text, n)
}

// cutMarkup cuts escaped mrkdwn (or plain text) to at most n characters,
// ending in "…". It never leaves half an entity ("&am") or an unclosed
// "<link" behind.
func cutMarkup(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	cut := string([]rune(s)[:n-1])
	if i := strings.LastIndexByte(cut, '&'); i >= 0 && !strings.Contains(cut[i:], ";") && len(cut)-i <= len("&amp;") {
		cut = cut[:i]
	}
	if i := strings.LastIndexByte(cut, '<'); i >= 0 && !strings.Contains(cut[i:], ">") {
		cut = cut[:i]
	}
	return cut + "…"
}

// maxEcho is the most of a person's own input a reply repeats back.
const maxEcho = 200

// echo is user text repeated in a reply: cut to n characters with "…"
// (before escaping, so no entity is cut), then escaped.
func echo(s string, n int) string {
	if utf8.RuneCountInString(s) > n {
		s = string([]rune(s)[:n-1]) + "…"
	}
	return Escape(s)
}

// renderJSON is a rendered message as the outbox stores it, fit to
// Slack's limits.
func renderJSON(text string, blocks []slack.Block) (string, string) {
	text = cutMarkup(text, maxMessageText)
	if len(blocks) == 0 {
		return text, ""
	}
	blocks = fit(blocks, maxMessageBlocks)
	js, err := json.Marshal(slack.Blocks{BlockSet: blocks})
	if err != nil {
		return text, "" // Block Kit values always marshal; the text still says it all
	}
	return text, string(js)
}

// openView opens a modal fit to Slack's limits.
func (b *Handlers) openView(ctx context.Context, triggerID string, view slack.ModalViewRequest) error {
	view.Blocks.BlockSet = fit(view.Blocks.BlockSet, maxViewBlocks)
	_, err := b.api.OpenViewContext(ctx, triggerID, view)
	return err
}

// truncateRunes keeps at most n characters of s.
func truncateRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
