package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
)

// UserError carries a message that is safe and useful to show the person
// who asked: what was wrong and how to fix it. Other errors are shown only
// as a reference.
type UserError struct {
	Msg string // mrkdwn, user text already escaped
}

func (e *UserError) Error() string { return e.Msg }

// userErrorf builds a UserError; arguments that came from users must be escaped.
func userErrorf(format string, args ...any) error {
	return &UserError{Msg: fmt.Sprintf(format, args...)}
}

// publicText is what a person sees for err: its own text if it is a
// UserError, otherwise "Something went wrong (ref …)" with ref logged beside
// the detail.
func publicText(err error, ref string) string {
	if ue, ok := errors.AsType[*UserError](err); ok {
		return ue.Msg
	}
	if _, ok := errors.AsType[*retryLater](err); ok {
		return "Slack is busy right now and I couldn't finish that. Please try again in a minute."
	}
	return fmt.Sprintf("Something went wrong (ref %s). The details are in Liaison's log under that reference.", ref)
}

// newRef returns a short random reference that ties a reply to a log line.
func newRef() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b)
}
