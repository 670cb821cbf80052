package bot

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
	"github.com/liaisonbot/liaison/tracker"
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

// parseID reads an item number or explains how to write one.
func parseID(s string) (int64, error) {
	id, err := backlog.ParseID(s)
	if err != nil {
		return 0, &UserError{Msg: echo(err.Error(), maxEcho) + "."}
	}
	return id, nil
}

// needID reads the first argument as an item number, with usage if missing.
func needID(args []string, usage string) (int64, []string, error) {
	if len(args) == 0 {
		return 0, nil, userErrorf("Which item? Usage: `/backlog %s`", usage)
	}
	id, err := parseID(args[0])
	return id, args[1:], err
}

// storageErr turns storage errors into messages for people.
func storageErr(id int64, err error) error {
	var te *backlog.TransitionError
	var me *backlog.MergeError
	switch {
	case errors.Is(err, storage.ErrNotFound):
		return userErrorf("There is no item #%d. `/backlog search <words>` finds items by what they say.", id)
	case errors.As(err, &te):
		return userErrorf("Can't change #%d: %s.", id, transitionWords(te))
	case errors.As(err, &me):
		return &UserError{Msg: mergeWords(me)}
	}
	return err
}

// transitionWords say why a status change was refused, and what to do.
func transitionWords(e *backlog.TransitionError) string {
	switch e.Problem {
	case backlog.TransitionSame:
		return fmt.Sprintf("it is already %s", e.To.Label())
	case backlog.TransitionToDuplicate:
		return "an item becomes a duplicate by merging it: `merge <id> into <id>`"
	case backlog.TransitionFromDuplicate:
		return "it was merged into another item; change that one instead"
	case backlog.TransitionNeedsReason:
		return "declining needs a reason, e.g. `status 42 declined out of scope for this year`"
	case backlog.TransitionClosed:
		return fmt.Sprintf("it is %s; reopen it first by setting an open status", e.From.Label())
	}
	return Escape(e.Error())
}

// filterWords say which list argument could not be read, and what works.
func filterWords(e *backlog.FilterError) string {
	switch e.Problem {
	case backlog.FilterNeedsPerson:
		return "`by` needs a person: `list by @alice`"
	case backlog.FilterNotAPerson:
		return fmt.Sprintf("%s is not a person; mention them: `list by @alice`", echo(strconv.Quote(e.Word), maxEcho))
	}
	names := make([]string, len(backlog.Statuses))
	for i, s := range backlog.Statuses {
		names[i] = string(s)
	}
	return fmt.Sprintf("I don't know %s here. Try a status (%s), a kind (feedback, feature, bug), #label, mine or by @person",
		echo(strconv.Quote(e.Word), maxEcho), strings.Join(names, ", "))
}

// scoreExample is shown when score input is written wrongly.
const scoreExample = "e.g. `score 42 reach=500 impact=2 confidence=80 effort=3` (impact 0.25, 0.5, 1, 2 or 3; confidence in %; effort in person-weeks)"

// scoreWords say what in score input could not be read.
func scoreWords(e *backlog.ScoreError) string {
	msg := "Can't read that score: " + echo(e.Problem, maxEcho)
	if e.Form {
		msg += ", " + scoreExample
	}
	return msg
}

// mergeWords say why a merge was refused.
func mergeWords(e *backlog.MergeError) string {
	switch e.Problem {
	case backlog.MergeSelf:
		return fmt.Sprintf("#%d cannot be merged into itself.", e.From)
	case backlog.MergeSourceMerged:
		return fmt.Sprintf("#%d is already merged into #%d.", e.From, e.Target)
	case backlog.MergeTargetMerged:
		return fmt.Sprintf("#%d is itself a duplicate of #%d; merge into #%d instead.", e.Into, e.Target, e.Target)
	}
	return Escape(e.Error()) + "."
}

// filingWords says why a tracker did not file an issue in target, and what to do.
func filingWords(e *tracker.Error, target string) string {
	t := e.Tracker.Label()
	switch e.Problem {
	case tracker.Refused:
		return fmt.Sprintf("%s refused Liaison's token, so nothing was filed. Whoever runs Liaison checks `trackers.%s` (its token and the access it grants).", t, e.Tracker)
	case tracker.Limited:
		return fmt.Sprintf("%s asks Liaison to wait (rate limit) until %s UTC, so nothing was filed. Try again then.", t, e.RetryAt.UTC().Format("15:04"))
	case tracker.Unreachable:
		return fmt.Sprintf("%s could not be reached, so nothing was filed. Try again in a few minutes.", t)
	case tracker.NotFound:
		return fmt.Sprintf("%s cannot find %s with Liaison's token, so nothing was filed. Whoever runs Liaison checks the name in the configuration and the token's access.", t, Escape(target))
	}
	return fmt.Sprintf("%s refused the new issue in %s (%s), so nothing was filed.", t, Escape(target), Escape(e.Detail))
}

// healthWords names tracker n's trouble for /backlog stats.
func healthWords(p tracker.Problem, n tracker.Name) string {
	switch p {
	case tracker.Refused:
		return "token refused: check trackers." + string(n)
	case tracker.Limited:
		return "rate limited"
	case tracker.Unreachable:
		return "unreachable"
	}
	return string(p)
}
