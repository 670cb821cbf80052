package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

var versionCommand = command{
	name:    "version",
	summary: "print the version",
	about:   "Prints Liaison's version, the Go version it was built with and its commit when known. `liaison --version` does the same.",
	flags: noFlags(func(_ context.Context, g globals, _ []string) error {
		return printVersion(g)
	}),
}

// printVersion prints the version, the Go version and the commit when known.
func printVersion(g globals) error {
	commit := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = " " + s.Value[:12]
			}
		}
	}
	_, err := fmt.Fprintf(g.stdout, "liaison %s (%s%s)\n", version, runtime.Version(), commit)
	return err
}
