package main

import (
	"context"

	"github.com/liaisonbot/liaison/manifest"
)

var manifestCommand = command{
	name:    "manifest",
	summary: "print the Slack app manifest to paste into api.slack.com/apps",
	about: `Prints the Slack app manifest: every scope, event, slash command and shortcut Liaison uses.
Paste it at api.slack.com/apps under Create New App → From an app manifest.`,
	flags: noFlags(func(_ context.Context, g globals, _ []string) error {
		_, err := g.stdout.Write(manifest.YAML)
		return err
	}),
}
