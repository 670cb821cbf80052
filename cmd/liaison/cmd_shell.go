package main

import (
	"context"
	"fmt"
	"os"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/bot/console"
	"github.com/liaisonbot/liaison/scheduler"
)

// cmdShell is Liaison in a terminal: the same router, handlers and
// delivery path as `run`, on the configured database, with the console
// standing in for Slack. It needs no tokens.
func cmdShell(ctx context.Context, g globals, args []string) error {
	if err := subcommandFlags("shell", &g).Parse(args); err != nil {
		return err
	}
	cfg, db, err := openConfigured(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()
	logCfg := cfg.Log
	if logCfg.Level == "info" {
		logCfg.Level = "warn" // the shell's own output is the answer; the log only warns
	}
	log := newLogger(logCfg, g.stderr)

	in := g.stdin
	if in == nil {
		in = os.Stdin
	}
	interactive := isTerminal(in)
	c := console.New(g.stdout)
	b := bot.NewLocal(cfg.botConfig(), db, log, scheduler.New(ctx, log), c)
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	ran := make(chan error, 1)
	go func() { ran <- b.Run(runCtx) }()

	if interactive {
		fmt.Fprintf(g.stdout, "Liaison shell on %s: no Slack, the same bot. You are %s in #%s; :help lists what works.\n",
			cfg.Storage.Path, console.DefaultUser, console.DefaultChannel)
	}
	serveErr := console.NewShell(c, b, cfg.Admins.Users, interactive).Serve(ctx, in)
	stop()
	if err := <-ran; err != nil {
		return err
	}
	return serveErr
}
