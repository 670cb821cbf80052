package bot

import (
	"context"
	"fmt"
	"strings"

	"github.com/slack-go/slack"

	"github.com/liaisonbot/liaison/backlog"
)

// maxReasonSize is the longest decline reason the modal takes.
const maxReasonSize = 1000

// selectedValue is the chosen option of a select that was changed.
func selectedValue(req *Request) string {
	if req.Interaction == nil || len(req.Interaction.ActionCallback.BlockActions) == 0 {
		return ""
	}
	return req.Interaction.ActionCallback.BlockActions[0].SelectedOption.Value
}

// statusSelected is the card's status select: any status but declined is
// applied at once; declined opens a modal asking for the reason.
func (b *Handlers) statusSelected(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "change an item's status"); err != nil {
		return nil, err
	}
	idText, statusText, ok := strings.Cut(selectedValue(req), ":")
	id, err := parseID(idText)
	if !ok || err != nil {
		return nil, userErrorf("That menu is out of date; run `/backlog show` again.")
	}
	to, err := backlog.ParseStatus(statusText)
	if err != nil {
		return nil, &UserError{Msg: Escape(err.Error())}
	}
	if to != backlog.StatusDeclined {
		return b.setStatus(ctx, id, req.User, to, "")
	}
	it, err := b.db.Item(ctx, id)
	if err != nil {
		return nil, storageErr(id, err)
	}
	if err := backlog.CheckTransition(it.Status, to, "a reason"); err != nil {
		return nil, storageErr(id, err)
	}
	view := declineModal(it, req.Channel)
	return &Reply{Now: func(ctx context.Context) error {
		if err := b.openView(ctx, req.TriggerID, view); err != nil {
			return fmt.Errorf("open decline modal for #%d: %w", id, err)
		}
		return nil
	}}, nil
}

// declineSubmitted records the decline with its reason and tells followers.
func (b *Handlers) declineSubmitted(ctx context.Context, req *Request) (*Reply, error) {
	if err := b.requireAdmin(ctx, req.User, "decline items"); err != nil {
		return nil, err
	}
	idText, channel, _ := strings.Cut(req.Interaction.View.PrivateMetadata, " ")
	id, err := parseID(idText)
	if err != nil {
		return nil, err
	}
	var reason string
	if st := req.Interaction.View.State; st != nil {
		reason = strings.TrimSpace(backlog.CleanText(st.Values[inputReason][inputReason].Value))
	}
	if reason == "" {
		return &Reply{Ack: slack.NewErrorsViewSubmissionResponse(map[string]string{inputReason: "Say why, so the people who asked understand."})}, nil
	}
	reply, err := b.setStatus(ctx, id, req.User, backlog.StatusDeclined, reason)
	if err != nil {
		return nil, err
	}
	reply.Channel, reply.Ephemeral = channel, true
	if channel == "" {
		reply.Channel = req.User
	}
	return reply, nil
}

// effortButton is S/M/L/XL on the card: a developer's estimate sets the
// effort and recomputes the score.
func (b *Handlers) effortButton(ctx context.Context, req *Request) (*Reply, error) {
	if !b.canEstimate(ctx, req.User) {
		return nil, userErrorf("Only the team and product owners give effort estimates. %s", b.whoAreAdmins())
	}
	idText, size, _ := strings.Cut(actionValue(req), ":")
	id, err := parseID(idText)
	weeks, known := b.cfg.EffortSizes[size]
	if err != nil || !known {
		return nil, userErrorf("That button is out of date; run `/backlog show` again.")
	}
	it, err := b.db.SetScore(ctx, id, req.User, backlog.ScoreInput{Effort: &weeks})
	if err != nil {
		return nil, storageErr(id, err)
	}
	return &Reply{Text: fmt.Sprintf("Effort for *#%d* set to %s (%v person-weeks). %s", id, Escape(size), weeks, scoreSummary(it))}, nil
}
