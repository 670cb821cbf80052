package backlog

import (
	"math"
	"reflect"
	"strings"
	"testing"
)

func TestCheckTransitionEveryPair(t *testing.T) {
	// allowed[from][to] with a reason given.
	open := []Status{StatusNew, StatusTriaged, StatusPlanned, StatusInProgress}
	allowed := map[Status]map[Status]bool{}
	for _, f := range Statuses {
		allowed[f] = map[Status]bool{}
	}
	for _, f := range open {
		for _, to := range append(open, StatusShipped, StatusDeclined) {
			allowed[f][to] = f != to
		}
	}
	for _, f := range []Status{StatusShipped, StatusDeclined} {
		for _, to := range open {
			allowed[f][to] = true // reopen
		}
	}
	for _, from := range Statuses {
		for _, to := range Statuses {
			err := CheckTransition(from, to, "a reason")
			if got := err == nil; got != allowed[from][to] {
				t.Errorf("%s → %s: allowed = %v (err %v), want %v", from, to, got, err, allowed[from][to])
			}
		}
	}
}

func TestDeclineNeedsReason(t *testing.T) {
	err := CheckTransition(StatusNew, StatusDeclined, "")
	if err == nil || !strings.Contains(err.Error(), "reason") {
		t.Errorf("decline without reason = %v", err)
	}
	if err := CheckTransition(StatusNew, StatusDuplicate, "x"); err == nil || !strings.Contains(err.Error(), "merge") {
		t.Errorf("to duplicate = %v, want a pointer to merge", err)
	}
}

func TestParseScore(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	tests := []struct {
		in      string
		want    ScoreInput
		wantErr string
	}{
		{"reach=500 impact=2 confidence=80 effort=3", ScoreInput{f(500), f(2), f(80), f(3)}, ""},
		{"confidence=80% effort=0.5", ScoreInput{Confidence: f(80), Effort: f(0.5)}, ""},
		{"r=10 i=0.25 c=100 e=1", ScoreInput{f(10), f(0.25), f(100), f(1)}, ""},
		{"", ScoreInput{}, "at least one"},
		{"reach=-1", ScoreInput{}, "reach must be between 0 and"},
		{"impact=4", ScoreInput{}, "impact must be one of"},
		{"impact=0", ScoreInput{}, "impact must be one of"},
		{"confidence=101", ScoreInput{}, "between 0 and 100"},
		{"confidence=-5", ScoreInput{}, "between 0 and 100"},
		{"effort=0", ScoreInput{}, "more than 0"},
		{"effort=-2", ScoreInput{}, "more than 0"},
		{"effort=NaN", ScoreInput{}, "not a number"},
		{"effort=Inf", ScoreInput{}, "not a number"},
		{"reach=1e308", ScoreInput{}, "between 0 and 1,000,000,000"},
		{"effort=0.000001", ScoreInput{}, "between 0.01 and 10,000"},
		{"reach=lots", ScoreInput{}, "not a number"},
		{"reach 500", ScoreInput{}, "not name=value"},
		{"speed=3", ScoreInput{}, "unknown score input"},
	}
	for _, tt := range tests {
		got, err := ParseScore(strings.Fields(tt.in))
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseScore(%q) err = %v, want %q", tt.in, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("ParseScore(%q) = %+v, %v", tt.in, got, err)
		}
	}
}

func TestRICEApplyScoresOnlyWhenComplete(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	r := RICE{}.Apply(ScoreInput{Reach: f(500), Impact: f(2)})
	if r.Score != nil {
		t.Errorf("partial RICE scored %v", *r.Score)
	}
	r = r.Apply(ScoreInput{Confidence: f(80), Effort: f(3)})
	if r.Score == nil || *r.Score != 266.67 {
		t.Errorf("score = %v, want 500×2×0.8÷3 = 266.67", r.Score)
	}
	r = r.Apply(ScoreInput{Effort: f(8)})
	if *r.Score != 100 {
		t.Errorf("score after effort 8 = %v, want 100", *r.Score)
	}
	if s := Score(0, 3, 100, 1); s != 0 || math.IsNaN(s) {
		t.Errorf("zero reach = %v", s)
	}
}

func TestParseFilter(t *testing.T) {
	tests := []struct {
		in      string
		want    Filter
		wantErr bool
	}{
		{"", Filter{Open: true}, false},
		{"planned", Filter{Status: StatusPlanned}, false},
		{"in progress", Filter{Status: StatusInProgress}, false},
		{"In-Progress bugs", Filter{Status: StatusInProgress, Kind: KindBug}, false},
		{"features #Billing mine", Filter{Kind: KindFeature, Label: "billing", Mine: "U0ME", Open: true}, false},
		{"by @U0BOB shipped", Filter{By: "U0BOB", Status: StatusShipped}, false},
		{"idea", Filter{Kind: KindFeature, Open: true}, false},
		{"by", Filter{}, true},
		{"by bob", Filter{}, true},
		{"whatever", Filter{}, true},
		{"<!channel>", Filter{}, true},
	}
	for _, tt := range tests {
		got, err := ParseFilter(strings.Fields(tt.in), "U0ME", atPerson)
		if (err != nil) != tt.wantErr || (!tt.wantErr && got != tt.want) {
			t.Errorf("ParseFilter(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseID(t *testing.T) {
	for in, want := range map[string]int64{"42": 42, "#42": 42, " #7 ": 7} {
		if got, err := ParseID(in); err != nil || got != want {
			t.Errorf("ParseID(%q) = %d, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "#", "0", "-1", "4x", "##4", "1e3", "99999999999999999999", "<!here>"} {
		if _, err := ParseID(bad); err == nil {
			t.Errorf("ParseID(%q) succeeded", bad)
		}
	}
}

func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"planned bugs #x mine", "by <@U1>", "in progress", "#", "by"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ParseFilter(strings.Fields(s), "U0ME", atPerson) // must not panic
		ParseScore(strings.Fields(s))
		ParseID(s)
	})
}

// atPerson reads "@U123" as user U123, as a caller's person function would.
func atPerson(w string) (string, bool) { return strings.CutPrefix(w, "@") }

func TestBehind(t *testing.T) {
	tests := []struct {
		s, t Status
		want bool
	}{
		{StatusPlanned, StatusInProgress, true},
		{StatusPlanned, StatusShipped, true},
		{StatusInProgress, StatusPlanned, false},
		{StatusShipped, StatusPlanned, false},
		{StatusPlanned, StatusPlanned, false},
		{StatusPlanned, StatusDeclined, true}, // reopening a declined item
		{StatusDeclined, StatusPlanned, false},
		{StatusShipped, StatusDeclined, true},
		{StatusNew, StatusDuplicate, false},
	}
	for _, tt := range tests {
		if got := tt.s.Behind(tt.t); got != tt.want {
			t.Errorf("%s.Behind(%s) = %v, want %v", tt.s, tt.t, got, tt.want)
		}
	}
}
