package main

import (
	"context"
	"fmt"
	"os"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/bot/console"
	"github.com/liaisonbot/liaison/scheduler"
)

var shellCommand = command{
	name:    "shell",
	summary: "try Liaison in a terminal, without Slack",
	about: `Runs the bot itself — the same router, handlers, outbox and delivery path as run — on the
configured database, with the terminal standing in for Slack; it needs no tokens. Type what you
would type in Slack (/feedback feature: dark mode, /backlog top, @liaison what's planned) and read
the answer as text, and what Liaison sends after it as "→ #C1: …" or "→ DM to U1: …".
:user U123 types as someone else, :admin makes them a product owner, :help lists the rest.
It reads a pipe too: printf '/backlog top
' | liaison shell. It creates the database when missing.`,
	env:         []string{"LIAISON_DB", "LIAISON_LOG_LEVEL", "LIAISON_LOG_FORMAT"},
	readsConfig: true,
	flags:       noFlags(cmdShell),
}

// cmdShell is Liaison in a terminal: the same router, handlers and
// delivery path as `run`, on the configured database, with the console
// standing in for Slack. It needs no tokens.
func cmdShell(ctx context.Context, g globals, _ []string) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	db, _, err := openDB(ctx, cfg.Storage.Path)
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
