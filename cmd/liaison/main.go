// Command liaison is the Liaison Slack bot and its operator tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	_ "time/tzdata" // IANA zones inside the binary, for images without zoneinfo
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Environ(), os.Stdout, os.Stderr)
	stop()
	os.Exit(report(err, os.Stderr))
}

// commands is the command table, in the order `liaison help` lists it. A new
// command is a cmd_<name>.go file that declares a command, and a line here.
func commands() []command {
	return []command{
		runCommand,
		migrateCommand,
		exportCommand,
		importCommand,
		backupCommand,
		digestCommand,
		shellCommand,
		healthcheckCommand,
		manifestCommand,
		versionCommand,
	}
}

// envHelp describes every environment variable a command may read, in the
// order help lists them; a command names the ones it reads in command.env.
var envHelp = []struct{ name, about string }{
	{"SLACK_BOT_TOKEN", "bot token, xoxb-… (overrides slack.bot_token)"},
	{"SLACK_APP_TOKEN", "app-level token, xapp-… (overrides slack.app_token)"},
	{"LIAISON_SLACK_API_URL", "Slack Web API base URL, for tests and proxies (overrides slack.api_url)"},
	{"LIAISON_DB", "the SQLite file (overrides storage.path; default liaison.db)"},
	{"LIAISON_DATABASE_URL", "postgres://… : PostgreSQL instead of SQLite, shared by replicas (overrides storage.url)"},
	{"LIAISON_HTTP_ADDR", `host:port for /healthz and /metrics, "" for none (overrides http.addr; default 127.0.0.1:8080)`},
	{"LIAISON_LOG_LEVEL", "debug, info, warn or error (overrides log.level; default info)"},
	{"LIAISON_LOG_FORMAT", "auto, text or json (overrides log.format; default auto: text on a terminal)"},
	{"LIAISON_GITHUB_TOKEN", "GitHub token; turns on following GitHub issues (overrides trackers.github.token)"},
	{"LIAISON_GITHUB_API_URL", "GitHub API base URL, for GitHub Enterprise (overrides trackers.github.api_url)"},
	{"LIAISON_JIRA_URL", "Jira site, https://acme.atlassian.net (overrides trackers.jira.url)"},
	{"LIAISON_JIRA_EMAIL", "email of the Jira account Liaison uses (overrides trackers.jira.email)"},
	{"LIAISON_JIRA_TOKEN", "that account's Jira API token (overrides trackers.jira.token)"},
	{"LIAISON_ROADMAP_TOKEN", "the token the roadmap page asks for once (overrides roadmap.token)"},
}

// run is the whole program: main only adds signals and the exit code.
func run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) error {
	g := globals{env: envMap(environ), stdout: stdout, stderr: stderr}
	fs := newFlagSet("liaison", &g)
	showVersion := fs.Bool("version", false, "print the version")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return writeMainHelp(stdout)
		}
		return usageError{cmd: "liaison", msg: err.Error(), more: mainHint}
	}
	if *showVersion {
		return printVersion(g)
	}
	if fs.NArg() == 0 {
		return usageError{cmd: "liaison", msg: "no command given", more: mainHelp()}
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	if name == "help" {
		return help(g, rest)
	}
	cmd, err := lookup(commands(), "liaison", name)
	if err != nil {
		return err
	}
	return cmd.execute(ctx, g, "liaison "+name, rest)
}

// report prints err once, as the program's last words, and returns the exit
// status: 0 for nil, 2 for a mistake in the command line, 1 for the rest.
func report(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		fmt.Fprintln(stderr, ue.Error())
		if ue.more != "" {
			fmt.Fprint(stderr, ue.more)
		}
		return 2
	default:
		fmt.Fprintln(stderr, "liaison:", err)
		return 1
	}
}

// usageError is a mistake in the command line itself: exit status 2.
type usageError struct {
	cmd  string // what was typed up to the mistake: "liaison", "liaison digest preview"
	msg  string
	more string // printed after the message: the usage line and where to read more
}

func (e usageError) Error() string { return e.cmd + ": " + e.msg }

// envMap turns KEY=VALUE pairs into a map.
func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
