package backlog

import "testing"

func TestParseKind(t *testing.T) {
	tests := []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"feedback", KindFeedback, false},
		{"Feature", KindFeature, false},
		{" BUG ", KindBug, false},
		{"idea", KindFeature, false},
		{"", "", true},
		{"question", "", true},
		{"feature:", "", true},
	}
	for _, tt := range tests {
		got, err := ParseKind(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseKind(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseStatus(t *testing.T) {
	tests := []struct {
		in      string
		want    Status
		wantErr bool
	}{
		{"new", StatusNew, false},
		{"TRIAGED", StatusTriaged, false},
		{"in progress", StatusInProgress, false},
		{"in-progress", StatusInProgress, false},
		{"in_progress", StatusInProgress, false},
		{" Shipped ", StatusShipped, false},
		{"declined", StatusDeclined, false},
		{"duplicate", StatusDuplicate, false},
		{"done", "", true},
		{"", "", true},
		{"in  progress", "", true},
	}
	for _, tt := range tests {
		got, err := ParseStatus(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestParseStatusErrorListsValidStatuses(t *testing.T) {
	_, err := ParseStatus("done")
	if err == nil {
		t.Fatal("ParseStatus(done) succeeded")
	}
	want := `unknown status "done" (valid: new, triaged, planned, in_progress, shipped, declined, duplicate)`
	if got := err.Error(); got != want {
		t.Errorf("error = %q, want %q", got, want)
	}
}

func TestStatusOpen(t *testing.T) {
	open := map[Status]bool{StatusNew: true, StatusTriaged: true, StatusPlanned: true, StatusInProgress: true}
	for _, s := range Statuses {
		if got := s.Open(); got != open[s] {
			t.Errorf("%s.Open() = %v, want %v", s, got, open[s])
		}
	}
}
