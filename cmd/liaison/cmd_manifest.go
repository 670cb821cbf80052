package main

import (
	"context"

	"github.com/liaisonbot/liaison/manifest"
)

// cmdManifest prints the Slack app manifest.
func cmdManifest(_ context.Context, g globals, args []string) error {
	if err := subcommandFlags("manifest", &g).Parse(args); err != nil {
		return err
	}
	_, err := g.stdout.Write(manifest.YAML)
	return err
}
