package bot

import (
	"context"

	"github.com/slack-go/slack"
)

// SlackAPI lists the Slack Web API methods the bot calls, with slack-go's own
// signatures, so *slack.Client satisfies it.
type SlackAPI interface {
	AuthTestContext(ctx context.Context) (*slack.AuthTestResponse, error)
	PostMessageContext(ctx context.Context, channelID string, options ...slack.MsgOption) (string, string, error)
	PostEphemeralContext(ctx context.Context, channelID, userID string, options ...slack.MsgOption) (string, error)
}

var _ SlackAPI = (*slack.Client)(nil)
