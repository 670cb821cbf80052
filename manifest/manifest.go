// Package manifest holds Liaison's Slack app manifest, printed by `liaison manifest`.
package manifest

import _ "embed"

// YAML is manifest/manifest.yaml: paste it into "Create New App → From an
// app manifest" to create Liaison's Slack app with every scope, event,
// command and shortcut it uses.
//
//go:embed manifest.yaml
var YAML []byte
