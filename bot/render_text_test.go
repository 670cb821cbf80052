package bot

import (
	"testing"

	"github.com/slack-go/slack"
)

func TestBlocksTextPerBlockType(t *testing.T) {
	sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Set status…"), actionStatus,
		slack.NewOptionBlockObject("1:planned", plain("Planned"), nil))
	chosen := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain("Kind"), inputKind,
		slack.NewOptionBlockObject("bug", plain("Bug"), nil))
	chosen.InitialOption = chosen.Options[0]
	filled := slack.NewPlainTextInputBlockElement(plain("Dark mode"), inputTitle)
	filled.InitialValue = "Offline\nmode"
	empty := slack.NewPlainTextInputBlockElement(plain("Dark mode"), inputTitle)
	tests := []struct {
		name  string
		block slack.Block
		want  string
	}{
		{"header", slack.NewHeaderBlock(plain("Backlog digest")), "BACKLOG DIGEST\n"},
		{"section", mdSection("*#1* Dark mode — _3 votes_"), "#1 Dark mode — 3 votes\n"},
		{"section fields", slack.NewSectionBlock(nil, []*slack.TextBlockObject{md("*Kind*\nBug"), md("*Votes*\n3")}, nil),
			"Kind: Bug\nVotes: 3\n"},
		{"section with a button", slack.NewSectionBlock(md("*#2* SSO"), nil, slack.NewAccessory(button(actionMerge, "1>2", "Same as #2"))),
			"#2 SSO [Same as #2]\n"},
		{"context", mdContext("Captured 1 Dec · <https://x.example/p1|original message>"),
			"Captured 1 Dec · original message (https://x.example/p1)\n"},
		{"actions", slack.NewActionBlock("a", button(actionVote, "1", "+1"), sel), "[+1] [Set status… ▾]\n"},
		{"input with a value", slack.NewInputBlock(inputTitle, plain("Title"), nil, filled), "Title: [Offline mode]\n"},
		{"input without one", slack.NewInputBlock(inputTitle, plain("Title"), nil, empty), "Title: [ ] e.g. Dark mode\n"},
		{"input select", slack.NewInputBlock(inputKind, plain("Kind"), nil, chosen), "Kind: [Bug ▾]\n"},
		{"divider", slack.NewDividerBlock(), "\n"},
		{"image", slack.NewImageBlock("https://x.example/c.png", "trend chart", "", nil), "[image: trend chart]\n"},
	}
	for _, tt := range tests {
		if got := BlocksText([]slack.Block{tt.block}); got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

func TestMrkdwnText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"*bold* and _italic_", "bold and italic"},
		{"in_progress and snake_case stay", "in_progress and snake_case stay"},
		{"*Top*\n*#2* SSO", "Top\n#2 SSO"},
		{"*a* *b* _c_", "a b c"},
		{"use *ptr and 2 * 3 = 6", "use *ptr and 2 * 3 = 6"},
		{"(0 9 * * MON, UTC)", "(0 9 * * MON, UTC)"},
		{"try `/backlog *top*` or *this*", "try `/backlog *top*` or this"},
		{"ask <@U0BOB> in <#C0GEN|general> or <#C0X>", "ask @U0BOB in #general or #C0X"},
		{"<https://x.example|docs> and <https://y.example>", "docs (https://x.example) and https://y.example"},
		{"after <!date^1700000000^{time}|09:00 UTC>", "after 09:00 UTC"},
		{"<!here> raw", "@here raw"},
		{"&lt;!here&gt; escaped &amp; safe", "<!here> escaped & safe"},
	}
	for _, tt := range tests {
		if got := MrkdwnText(tt.in); got != tt.want {
			t.Errorf("MrkdwnText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
