package bot

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

func TestCutMarkupNeverSplitsEntitiesOrLinks(t *testing.T) {
	for _, tc := range []struct{ in string }{
		{strings.Repeat("&amp;", 1000)},
		{strings.Repeat("a", 2997) + "&lt;!channel&gt;"},
		{strings.Repeat("b", 2990) + "<https://example.com|a link>"},
		{strings.Repeat("é", 5000)},
	} {
		got := cutMarkup(tc.in, maxSectionText)
		if n := utf8.RuneCountInString(got); n > maxSectionText {
			t.Errorf("cut to %d characters, want at most %d", n, maxSectionText)
		}
		if !strings.HasSuffix(got, "…") {
			t.Errorf("cut text does not end in …: %q", got[len(got)-10:])
		}
		body := strings.TrimSuffix(got, "…")
		if i := strings.LastIndexByte(body, '&'); i >= 0 && !strings.Contains(body[i:], ";") {
			t.Errorf("half an entity left: %q", body[i:])
		}
		if i := strings.LastIndexByte(body, '<'); i >= 0 && !strings.Contains(body[i:], ">") {
			t.Errorf("an unclosed link left: %q", body[i:])
		}
	}
	if got := cutMarkup("short", maxSectionText); got != "short" {
		t.Errorf("a short text was changed: %q", got)
	}
}

// checkLimits fails t for every block that breaks Slack's limits.
func checkLimits(t *testing.T, blocks []slack.Block, maxBlocks int) {
	t.Helper()
	if len(blocks) > maxBlocks {
		t.Errorf("%d blocks, Slack takes %d", len(blocks), maxBlocks)
	}
	for _, b := range blocks {
		if s, ok := b.(*slack.SectionBlock); ok {
			if s.Text != nil && utf8.RuneCountInString(s.Text.Text) > maxSectionText {
				t.Errorf("a section of %d characters", utf8.RuneCountInString(s.Text.Text))
			}
			if len(s.Fields) > maxFields {
				t.Errorf("a section with %d fields", len(s.Fields))
			}
			for _, f := range s.Fields {
				if utf8.RuneCountInString(f.Text) > maxFieldText {
					t.Errorf("a field of %d characters", utf8.RuneCountInString(f.Text))
				}
			}
		}
	}
}

func TestFitCutsEveryBlockKind(t *testing.T) {
	huge := strings.Repeat("x", 10_000)
	var fields []*slack.TextBlockObject
	for range 12 {
		fields = append(fields, slack.NewTextBlockObject(slack.MarkdownType, huge, false, false))
	}
	blocks := []slack.Block{
		slack.NewHeaderBlock(slack.NewTextBlockObject(slack.PlainTextType, huge, false, false)),
		slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, huge, false, false), fields, nil),
		slack.NewActionBlock("a", slack.NewButtonBlockElement("b", "v", slack.NewTextBlockObject(slack.PlainTextType, huge, false, false))),
	}
	for range 60 {
		blocks = append(blocks, slack.NewDividerBlock())
	}
	got := fit(blocks, maxMessageBlocks)
	checkLimits(t, got, maxMessageBlocks)
	if h := got[0].(*slack.HeaderBlock).Text.Text; utf8.RuneCountInString(h) > maxHeaderText {
		t.Errorf("header of %d characters", utf8.RuneCountInString(h))
	}
	if bt := got[2].(*slack.ActionBlock).Elements.ElementSet[0].(*slack.ButtonBlockElement).Text.Text; utf8.RuneCountInString(bt) > maxButtonText {
		t.Errorf("button of %d characters", utf8.RuneCountInString(bt))
	}
	last, ok := got[len(got)-1].(*slack.ContextBlock)
	if !ok || !strings.Contains(last.ContextElements.Elements[0].(*slack.TextBlockObject).Text, "more not shown") {
		t.Error("dropped blocks are not said")
	}
}

// ackBlocks decodes a slash command's ack payload.
func ackBlocks(t *testing.T, a slackfake.Ack) []slack.Block {
	t.Helper()
	var p struct {
		Blocks slack.Blocks `json:"blocks"`
	}
	if err := json.Unmarshal(a.Payload, &p); err != nil {
		t.Fatalf("ack %s: %v", a.Payload, err)
	}
	return p.Blocks.BlockSet
}

func TestRepliesToTheLargestInputsFitSlack(t *testing.T) {
	h := startBot(t)
	h.settle(h.slack.SendSlash("/feedback", "feature: Dark mode", "U0BOB", "C0GENERAL"))
	var labels []string
	for i := range 1000 {
		labels = append(labels, fmt.Sprintf("area-%04d-with-a-long-name", i))
	}
	if _, err := h.db.SetLabels(context.Background(), 1, admin, labels, nil); err != nil {
		t.Fatal(err)
	}
	words := strings.TrimSpace(strings.Repeat("dark ", 2000))
	for _, text := range []string{"search " + words, "show 1", "list", "label 1 +" + strings.Repeat("x", 3000)} {
		env := h.slack.SendSlash("/backlog", text, admin, "C0GENERAL")
		a := h.slack.WaitAck(env.EnvelopeID)
		if a.Payload == nil {
			t.Errorf("/backlog %.20s…: no answer in the ack", text)
			continue
		}
		checkLimits(t, ackBlocks(t, a), maxMessageBlocks)
		if got := decodedText(t, a.Payload); strings.Contains(got, strings.Repeat("dark ", 300)) {
			t.Errorf("/backlog %.20s…: the whole input is echoed back", text)
		}
	}
}
