package bot

import (
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", "plain"},
		{"a & b", "a &amp; b"},
		{"<!channel> look", "&lt;!channel&gt; look"},
		{"<!here>", "&lt;!here&gt;"},
		{"<!everyone>", "&lt;!everyone&gt;"},
		{"<!subteam^S123|@team>", "&lt;!subteam^S123|@team&gt;"},
		{"<https://evil.example|https://bank.example>", "&lt;https://evil.example|https://bank.example&gt;"},
		{"&lt; already", "&amp;lt; already"},
		{"", ""},
	}
	for _, tt := range tests {
		got := Escape(tt.in)
		if got != tt.want {
			t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if strings.ContainsAny(got, "<>") {
			t.Errorf("Escape(%q) = %q still has angle brackets", tt.in, got)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, s := range []string{"<!channel>", "<a|b>", "&&", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Escape(s)
		if strings.ContainsAny(got, "<>") {
			t.Fatalf("Escape(%q) = %q has angle brackets", s, got)
		}
		// Unescaping gives the input back: nothing is lost.
		back := strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(got)
		if back != s {
			t.Fatalf("unescape(Escape(%q)) = %q", s, back)
		}
	})
}

func TestUnescapeReversesEscape(t *testing.T) {
	for _, s := range []string{"a < b & c > d", "<!channel>", "&amp; literal", ""} {
		if got := Unescape(Escape(s)); got != s {
			t.Errorf("Unescape(Escape(%q)) = %q", s, got)
		}
	}
	if got := Unescape("<@U123> &lt;3"); got != "<@U123> <3" {
		t.Errorf("Unescape = %q", got)
	}
}
