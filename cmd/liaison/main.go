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
	switch {
	case err == nil:
	case errors.Is(err, flag.ErrHelp):
		os.Exit(2)
	case errors.As(err, new(usageError)):
		fmt.Fprintln(os.Stderr, "liaison:", err)
		os.Exit(2)
	default:
		fmt.Fprintln(os.Stderr, "liaison:", err)
		os.Exit(1)
	}
}

// usageError is a mistake in the command line itself.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `Liaison: the Slack bot for feedback, feature requests and the loop back to everyone who asked.

Usage: liaison [--config FILE] <command> [flags]

Commands:
  run        connect to Slack and serve (Socket Mode)
  migrate    create or upgrade the SQLite database
  export     write every item as JSON or CSV (--format json|csv, --out FILE)
  import     restore the items of an export: import [--format json|csv] FILE
             (every row checked first; all written in one transaction, or none)
  backup     write a consistent copy of the database, safe while the bot runs:
             backup [--force] FILE
  healthcheck
             ask the bot's /healthz on http.addr; exit 0 on 200, else 1
  digest preview [--subscription NAME] [--since 7d] [--format text|blocks]
             render a digest from the local database, without Slack
  manifest   print the Slack app manifest to paste into api.slack.com/apps
  version    print the version

Every command reads ./config.yaml when present (or --config FILE) and the
environment: SLACK_BOT_TOKEN, SLACK_APP_TOKEN, LIAISON_DB, LIAISON_SLACK_API_URL,
LIAISON_HTTP_ADDR, LIAISON_LOG_LEVEL, LIAISON_LOG_FORMAT.
`

// command is one subcommand: it gets the global --config value, its own
// arguments and the environment.
type command func(ctx context.Context, g globals, args []string) error

// globals is what every subcommand may use.
type globals struct {
	configPath string
	env        map[string]string
	stdout     io.Writer
	stderr     io.Writer
}

// run is the whole program: main only adds signals and the exit code.
func run(ctx context.Context, args []string, environ []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("liaison", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage) }
	configPath := fs.String("config", "", "configuration file (default ./config.yaml when present)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	g := globals{configPath: *configPath, env: envMap(environ), stdout: stdout, stderr: stderr}
	commands := map[string]command{
		"run":      cmdRun,
		"migrate":  cmdMigrate,
		"export":   cmdExport,
		"digest":   cmdDigest,
		"manifest": cmdManifest,
		"version":  cmdVersion,

		// Restoring, copying and watching a running bot's data.
		"import":      cmdImport,
		"backup":      cmdBackup,
		"healthcheck": cmdHealthcheck,
	}
	name := fs.Arg(0)
	switch name {
	case "":
		fmt.Fprint(stderr, usage)
		return usageError{"no command given"}
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	cmd, ok := commands[name]
	if !ok {
		return usageError{fmt.Sprintf("unknown command %q; run 'liaison help' for the list", name)}
	}
	return cmd(ctx, g, fs.Args()[1:])
}

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

// subcommandFlags is a flag set for a subcommand that also accepts --config
// after the subcommand's name, so both `liaison --config c.yaml run` and
// `liaison run --config c.yaml` work.
func subcommandFlags(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet("liaison "+name, flag.ContinueOnError)
	fs.SetOutput(g.stderr)
	fs.Func("config", "configuration file (default ./config.yaml when present)", func(s string) error {
		g.configPath = s
		return nil
	})
	return fs
}

// loadConfig reads and validates the configuration; offline commands skip
// the token checks.
func loadConfig(g globals, offline bool) (Config, error) {
	cfg, err := LoadConfig(g.configPath, g.env)
	if err != nil {
		return Config{}, err
	}
	check := cfg.Validate
	if offline {
		check = cfg.ValidateOffline
	}
	if err := check(); err != nil {
		var ve ValidationError
		if errors.As(err, &ve) {
			noun := "problems"
			if len(ve) == 1 {
				noun = "problem"
			}
			return Config{}, fmt.Errorf("the configuration has %d %s:\n  %s", len(ve), noun, strings.Join(ve, "\n  "))
		}
		return Config{}, err
	}
	return cfg, nil
}
