// Package slack holds Liaison's Slack app manifest, printed by `liaison manifest`.
package slack

import _ "embed"

// Manifest is slack/manifest.yaml: paste it into "Create New App → From an
// app manifest" to create Liaison's Slack app with every scope, event,
// command and shortcut it uses.
//
//go:embed manifest.yaml
var Manifest []byte
