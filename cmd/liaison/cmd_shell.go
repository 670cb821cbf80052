package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/liaisonbot/liaison/bot"
	"github.com/liaisonbot/liaison/bot/console"
	"github.com/liaisonbot/liaison/scheduler"
)

var shellCommand = command{
	name:    "shell",
	summary: "try Liaison in a terminal, without Slack",
	about: `Runs the bot itself — the same router, handlers, outbox and delivery path as run — on a
database of its own (--db), with the terminal standing in for Slack; it needs no tokens. Type what
you would type in Slack (/feedback feature: dark mode, /backlog top, @liaison what's planned) and
read the answer as text, and what Liaison sends after it as "→ #C1: …" or "→ DM to U1: …".
:user U123 types as someone else, :admin makes them a product owner, :help lists the rest.
It reads a pipe too: printf '/backlog top\n' | liaison shell. The configuration (reactions,
monitored channels, digests, admins) applies as in run. The shell is a bot of its own, so it
refuses the database run uses: try things on a copy (liaison backup copy.db; liaison shell --db copy.db).`,
	env:         []string{"LIAISON_LOG_LEVEL", "LIAISON_LOG_FORMAT"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		db := fs.String("db", defaultShellDB, "the shell's SQLite `FILE`, created when missing")
		return func(ctx context.Context, g globals, _ []string) error { return cmdShell(ctx, g, *db) }
	},
}

// defaultShellDB is the shell's database unless --db names another.
const defaultShellDB = "liaison-shell.db"

// cmdShell is Liaison in a terminal: the same router, handlers and
// delivery path as `run`, on the configured database, with the console
// standing in for Slack. It needs no tokens.
func cmdShell(ctx context.Context, g globals, dbPath string) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	if absPath(dbPath) == absPath(cfg.Storage.Path) {
		return fmt.Errorf("--db %s is the database `liaison run` uses (storage.path / LIAISON_DB): the shell is a bot of its own and would send that bot's waiting messages to this terminal; give it its own file, or a copy (liaison backup copy.db, then liaison shell --db copy.db)", absPath(dbPath))
	}
	db, _, err := openDB(ctx, dbPath)
	if err != nil {
		return err
	}
	defer db.Close()
	logCfg := cfg.Log
	if logCfg.Level == "info" && g.env["LIAISON_LOG_LEVEL"] == "" {
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
			dbPath, console.DefaultUser, console.DefaultChannel)
	}
	serveErr := console.NewShell(c, b, cfg.Admins.Users, interactive).Serve(ctx, in)
	stop()
	if err := <-ran; err != nil {
		return err
	}
	return serveErr
}
