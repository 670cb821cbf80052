package main

import (
	"context"
	"fmt"
	"runtime"
	"runtime/debug"
)

// cmdVersion prints the version, the Go version and the commit when known.
func cmdVersion(_ context.Context, g globals, args []string) error {
	if err := subcommandFlags("version", &g).Parse(args); err != nil {
		return err
	}
	commit := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				commit = " " + s.Value[:12]
			}
		}
	}
	fmt.Fprintf(g.stdout, "liaison %s (%s%s)\n", version, runtime.Version(), commit)
	return nil
}
