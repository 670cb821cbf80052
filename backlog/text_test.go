package backlog

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSplitKind(t *testing.T) {
	tests := []struct {
		in        string
		wantKind  Kind
		wantRest  string
		wantFound bool
	}{
		{"feature: dark mode", KindFeature, "dark mode", true},
		{"Feature:dark mode", KindFeature, "dark mode", true},
		{"  BUG : login fails", KindBug, "login fails", true},
		{"idea: a kanban view", KindFeature, "a kanban view", true},
		{"feedback: love it", KindFeedback, "love it", true},
		{"dark mode please", KindFeedback, "dark mode please", false},
		{"features: plural is not a prefix", KindFeedback, "features: plural is not a prefix", false},
		{"a bug: not leading", KindFeedback, "a bug: not leading", false},
		{"feature:", KindFeature, "", true},
	}
	for _, tt := range tests {
		kind, rest, found := SplitKind(tt.in, KindFeedback)
		if kind != tt.wantKind || rest != tt.wantRest || found != tt.wantFound {
			t.Errorf("SplitKind(%q) = %q, %q, %v; want %q, %q, %v", tt.in, kind, rest, found, tt.wantKind, tt.wantRest, tt.wantFound)
		}
	}
}

func TestTitle(t *testing.T) {
	long := strings.Repeat("word ", 40) // 200 characters
	tests := []struct{ name, in, want string }{
		{"short", "Dark mode for reports", "Dark mode for reports"},
		{"first line", "Dark mode for reports\nOur users work at night.", "Dark mode for reports"},
		{"first sentence", "Dark mode for reports. Our users work at night.", "Dark mode for reports"},
		{"question kept", "Can we export to CSV? Finance needs it.", "Can we export to CSV?"},
		{"exclamation kept", "Login is broken! Nobody can sign in.", "Login is broken!"},
		{"trailing full stop dropped", "Dark mode.", "Dark mode"},
		{"url dots are not sentence ends", "See https://example.com/a.b for details", "See https://example.com/a.b for details"},
		{"slack link with a dot", "Look at <https://x.io/a. b|this page>. Then more", "Look at <https://x.io/a. b|this page>"},
		{"mention kept", "<@U123> wants dark mode", "<@U123> wants dark mode"},
		{"emoji", "Dark mode :crescent_moon: 🌙 please", "Dark mode :crescent_moon: 🌙 please"},
		{"whitespace collapsed", "  Dark \t  mode  ", "Dark mode"},
		{"empty", "   \n  ", ""},
		{"long cut on a word", long, strings.TrimSpace(strings.Repeat("word ", 24)) + "…"},
	}
	for _, tt := range tests {
		got := Title(tt.in)
		if got != tt.want {
			t.Errorf("%s: Title(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
		if n := utf8.RuneCountInString(got); n > MaxTitle {
			t.Errorf("%s: title has %d characters, more than %d", tt.name, n, MaxTitle)
		}
	}
}

func TestTitleLongWithoutSpacesIsCutHard(t *testing.T) {
	got := Title(strings.Repeat("x", 300))
	if got != strings.Repeat("x", MaxTitle-1)+"…" {
		t.Errorf("Title(300 x) = %q", got)
	}
}

func TestTitleNeverSplitsASlackToken(t *testing.T) {
	in := strings.Repeat("a ", 55) + "<https://example.com/a-very-long-path-that-goes-on|a label that is long>"
	got := Title(in)
	if strings.Contains(got, "<") {
		t.Errorf("Title cut inside a Slack token: %q", got)
	}
	if !strings.HasSuffix(got, "…") || utf8.RuneCountInString(got) > MaxTitle {
		t.Errorf("Title = %q", got)
	}
}

func TestTitleMultibyteCountsCharacters(t *testing.T) {
	in := strings.Repeat("é", 200)
	got := Title(in)
	if n := utf8.RuneCountInString(got); n != MaxTitle {
		t.Errorf("title of 200 'é' has %d characters, want %d", n, MaxTitle)
	}
	if !utf8.ValidString(got) {
		t.Error("title is not valid UTF-8")
	}
}

func TestCutBody(t *testing.T) {
	if got := CutBody("short", 10000); got != "short" {
		t.Errorf("CutBody(short) = %q", got)
	}
	exact := strings.Repeat("a", 10000)
	if got := CutBody(exact, 10000); got != exact {
		t.Error("a body of exactly max characters was cut")
	}
	long := strings.Repeat("ü", 10001)
	got := CutBody(long, 10000)
	want := strings.Repeat("ü", 10000) + "\n\n(cut at 10,000 characters)"
	if got != want {
		t.Errorf("CutBody(10001) ends %q", got[len(got)-40:])
	}
	if got := CutBody(strings.Repeat("b", 600), 500); !strings.HasSuffix(got, "(cut at 500 characters)") {
		t.Errorf("CutBody with max 500 ends %q", got[len(got)-30:])
	}
}

func TestCleanText(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ok", "ok"},
		{"a\r\nb", "a\nb"},
		{"bad \xff\xfe byte", "bad \uFFFD byte"},
		{"nul\x00 and bell\x07", "nul and bell"},
		{"tab\tand\nnewline", "tab\tand\nnewline"},
	}
	for _, tt := range tests {
		if got := CleanText(tt.in); got != tt.want {
			t.Errorf("CleanText(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func FuzzTitle(f *testing.F) {
	for _, s := range []string{"Dark mode. Please", "<@U1> x", strings.Repeat("ab ", 100), "\xff", "<<<>>>...!!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Title(CleanText(s))
		if n := utf8.RuneCountInString(got); n > MaxTitle {
			t.Fatalf("Title(%q) has %d characters", s, n)
		}
		if !utf8.ValidString(got) {
			t.Fatalf("Title(%q) = %q is not valid UTF-8", s, got)
		}
	})
}
