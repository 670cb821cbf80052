package bot

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestHandlersAnswerWithoutASocket(t *testing.T) {
	h := newTestHandlers(t)
	ctx := context.Background()
	capture := &Request{Kind: KindCommand, Command: "/feedback", Text: "feature: Dark mode", User: "U0BOB", Channel: "C1", Team: "T1"}
	reply, err := h.feedbackCommand(ctx, capture)
	if err != nil {
		t.Fatal(err)
	}
	if reply.Render == nil || reply.After == nil {
		t.Fatalf("a slash capture's reply = %+v, want a rendered confirmation for the ack and after-ack work", reply)
	}
	if text, _ := reply.Render(ctx); text != "Captured as *#1* · Feature request · new\n>Dark mode" {
		t.Errorf("confirmation = %q", text)
	}

	for _, tc := range []struct {
		user, text string
		want       *Reply
		wantErr    string
	}{
		{"U0ALICE", "vote 1", &Reply{Text: "Added your +1 to *#1* Dark mode — now 2 votes. I'll tell you when it moves."}, ""},
		{"U0ALICE", "vote #1", &Reply{Text: "You have already voted for *#1* (2 votes)."}, ""},
		{"U0ALICE", "status 1 planned", nil, "Only product owners can"},
		{"U0ALICE", "show 99", nil, "#99"},
	} {
		req := &Request{Kind: KindCommand, Command: "/backlog", Text: tc.text, User: tc.user, Channel: "C1", Team: "T1"}
		got, err := h.backlogCommand(ctx, req)
		if tc.wantErr != "" {
			var ue *UserError
			if !errors.As(err, &ue) || !strings.Contains(ue.Msg, tc.wantErr) {
				t.Errorf("/backlog %s: err = %v, want a user error with %q", tc.text, err, tc.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("/backlog %s = %+v, %v; want %+v", tc.text, got, err, tc.want)
		}
	}
}
