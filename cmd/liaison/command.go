package main

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// globals is what every command may use.
type globals struct {
	configPath string
	env        map[string]string
	stdin      io.Reader // nil: the process's standard input
	stdout     io.Writer
	stderr     io.Writer
}

// action is what a command does once its flags are parsed; args are its
// positional arguments, already counted against command.args.
type action func(ctx context.Context, g globals, args []string) error

// command is one entry of the command table: what help says about it, its
// flags and what it does.
type command struct {
	name    string   // as typed after "liaison", or after its parent command
	summary string   // one line, for the list in `liaison help`
	args    []string // required positional arguments, as usage names them (e.g. FILE)
	about   string   // what `liaison help NAME` says below the usage line
	env     []string // the environment variables it reads (see envHelp)
	// readsConfig lists --config in its help. Every command accepts --config,
	// so that it may stand anywhere on the line.
	readsConfig bool
	// flags declares the command's flags on fs and returns what runs once
	// they are parsed. Nil for a command that only has subcommands.
	flags       func(fs *flag.FlagSet) action
	subcommands []command
}

// noFlags is command.flags for a command without flags of its own.
func noFlags(a action) func(*flag.FlagSet) action {
	return func(*flag.FlagSet) action { return a }
}

// newFlagSet is a flag set that prints nothing itself (errors are reported
// once, by report) and takes --config wherever it stands.
func newFlagSet(name string, g *globals) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Func("config", "read the configuration from `FILE` (default ./config.yaml when present)", func(s string) error {
		g.configPath = s
		return nil
	})
	return fs
}

// execute parses args for c, typed as path ("liaison digest preview"), and
// runs it or its subcommand.
func (c command) execute(ctx context.Context, g globals, path string, args []string) error {
	fs := newFlagSet(path, &g)
	if len(c.subcommands) > 0 {
		if err := fs.Parse(args); err != nil {
			return c.flagError(g, path, err)
		}
		if fs.NArg() == 0 {
			return usageError{cmd: path, msg: "missing subcommand: " + strings.Join(c.subcommandNames(), " or "), more: c.hint(path)}
		}
		sub, err := lookup(c.subcommands, path, fs.Arg(0))
		if err != nil {
			return err
		}
		return sub.execute(ctx, g, path+" "+sub.name, fs.Args()[1:])
	}
	act := c.flags(fs)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return c.flagError(g, path, err)
	}
	if len(pos) < len(c.args) {
		return usageError{cmd: path, msg: "missing " + strings.Join(c.args[len(pos):], " "), more: c.hint(path)}
	}
	if len(pos) > len(c.args) {
		return usageError{cmd: path, msg: fmt.Sprintf("unexpected argument %q", pos[len(c.args)]), more: c.hint(path)}
	}
	return act(ctx, g, pos)
}

// flagError turns a parse error into help (for -h and --help) or a usage error.
func (c command) flagError(g globals, path string, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		_, werr := io.WriteString(g.stdout, c.help(path))
		return werr
	}
	return usageError{cmd: path, msg: err.Error(), more: c.hint(path)}
}

// parseInterspersed parses fs's flags wherever they stand among the
// positional arguments, which it returns; everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		if used := len(args) - len(rest); used > 0 && args[used-1] == "--" {
			return append(pos, rest...), nil
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
}

// lookup finds name among cmds, typed after parent.
func lookup(cmds []command, parent, name string) (command, error) {
	var names []string
	for _, c := range cmds {
		if c.name == name {
			return c, nil
		}
		names = append(names, c.name)
	}
	msg := fmt.Sprintf("unknown command %q", name)
	if parent != "liaison" {
		msg = fmt.Sprintf("unknown subcommand %q", name)
	}
	if s := closest(name, names); s != "" {
		msg += fmt.Sprintf("; did you mean %s?", s)
	}
	more := fmt.Sprintf("Run '%s' for the list.\n", strings.Replace(parent, "liaison", "liaison help", 1))
	return command{}, usageError{cmd: parent, msg: msg, more: more}
}

func (c command) subcommandNames() []string {
	var names []string
	for _, s := range c.subcommands {
		names = append(names, s.name)
	}
	return names
}

// synopsis is c's usage line: path, its flags and its arguments.
func (c command) synopsis(path string) string {
	if len(c.subcommands) > 0 {
		return path + " <" + strings.Join(c.subcommandNames(), "|") + "> [flags]"
	}
	var b strings.Builder
	b.WriteString(path)
	c.visitFlags(func(f *flag.Flag, name, _ string) {
		b.WriteString(" [--" + f.Name)
		if name != "" {
			b.WriteString(" " + name)
		}
		b.WriteString("]")
	})
	for _, a := range c.args {
		b.WriteString(" " + a)
	}
	return b.String()
}

// hint follows a usage error: the usage line and where to read more.
func (c command) hint(path string) string {
	more := "its flags and environment"
	if len(c.subcommands) > 0 {
		more = "its subcommands"
	}
	return fmt.Sprintf("Usage: %s\nRun '%s' for %s.\n", c.synopsis(path), strings.Replace(path, "liaison", "liaison help", 1), more)
}

// visitFlags calls fn for each flag help shows, with the flag's value name
// (empty for a switch) and its description.
func (c command) visitFlags(fn func(f *flag.Flag, valueName, usage string)) {
	if c.flags == nil {
		return
	}
	var g globals
	fs := newFlagSet(c.name, &g)
	c.flags(fs)
	fs.VisitAll(func(f *flag.Flag) {
		if f.Name == "config" && !c.readsConfig {
			return
		}
		name, usage := flag.UnquoteUsage(f)
		if c, ok := f.Value.(*choice); ok {
			name = strings.Join(c.allowed, "|")
		} else if !strings.Contains(f.Usage, "`") {
			name = strings.ToUpper(f.Name) // not flag's "string" or "value"
		}
		if isSwitch(f) {
			name = ""
		}
		if f.DefValue != "" && !isSwitch(f) {
			usage += fmt.Sprintf(" (default %s)", f.DefValue)
		}
		fn(f, name, usage)
	})
}

// choice is a flag value that must be one of a few words; another is a
// usage mistake that names them.
type choice struct {
	value   string
	allowed []string
}

// choiceFlag declares a choice flag on fs; its default is allowed[0].
func choiceFlag(fs *flag.FlagSet, name, usage string, allowed ...string) *string {
	c := &choice{value: allowed[0], allowed: allowed}
	fs.Var(c, name, usage)
	return &c.value
}

func (c *choice) String() string { return c.value }

func (c *choice) Set(s string) error {
	if !slices.Contains(c.allowed, s) {
		return fmt.Errorf("use %s", strings.Join(c.allowed, " or "))
	}
	c.value = s
	return nil
}

// isSwitch reports whether f is a boolean flag, given without a value.
func isSwitch(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// help is what `liaison help CMD` and `liaison CMD --help` print.
func (c command) help(path string) string {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s: %s\n\nUsage: %s\n", path, c.summary, c.synopsis(path))
	if c.about != "" {
		fmt.Fprintf(&b, "\n%s\n", strings.TrimSpace(c.about))
	}
	if len(c.subcommands) > 0 {
		b.WriteString("\nSubcommands:\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		for _, s := range c.subcommands {
			fmt.Fprintf(tw, "  %s\t%s\n", s.name, s.summary)
		}
		tw.Flush()
		fmt.Fprintf(&b, "\nRun '%s SUBCOMMAND' for its flags and environment.\n", strings.Replace(path, "liaison", "liaison help", 1))
		return b.String()
	}
	b.WriteString("\nFlags:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	c.visitFlags(func(f *flag.Flag, name, usage string) {
		fmt.Fprintf(tw, "  --%s\t%s\n", strings.TrimSpace(f.Name+" "+name), usage)
	})
	fmt.Fprintf(tw, "  -h, --help\tthis text\n")
	tw.Flush()
	b.WriteString("\nEnvironment:\n")
	if len(c.env) == 0 {
		b.WriteString("  none\n")
	}
	tw = tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, name := range c.env {
		fmt.Fprintf(tw, "  %s\t%s\n", name, envAbout(name))
	}
	tw.Flush()
	return b.String()
}

// envAbout is envHelp's line for name.
func envAbout(name string) string {
	for _, e := range envHelp {
		if e.name == name {
			return e.about
		}
	}
	return ""
}

// mainHint follows a usage error before any command name.
const mainHint = "Usage: liaison [--config FILE] <command> [flags]\nRun 'liaison help' for the commands.\n"

// mainHelp lists every command, from the table.
func mainHelp() string {
	var b bytes.Buffer
	b.WriteString("Liaison: the Slack bot for feedback, feature requests and the loop back to everyone who asked.\n\n")
	b.WriteString("Usage: liaison [--config FILE] <command> [flags]\n\nCommands:\n")
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, c := range commands() {
		if len(c.subcommands) == 0 {
			fmt.Fprintf(tw, "  %s\t%s\n", strings.Join(append([]string{c.name}, c.args...), " "), c.summary)
		}
		for _, s := range c.subcommands {
			fmt.Fprintf(tw, "  %s %s\t%s\n", c.name, strings.Join(append([]string{s.name}, s.args...), " "), s.summary)
		}
	}
	fmt.Fprintf(tw, "  help [COMMAND]\tlist the commands, or describe one\n")
	tw.Flush()
	b.WriteString(`
Flags:
  --config FILE  configuration file (default ./config.yaml when present); may stand
                 before or after the command name
  --version      print the version
  -h, --help     this text

Run 'liaison help COMMAND' (or 'liaison COMMAND --help') for a command's flags and
the environment variables it reads.
`)
	return b.String()
}

func writeMainHelp(w io.Writer) error {
	_, err := io.WriteString(w, mainHelp())
	return err
}

// help is `liaison help [COMMAND [SUBCOMMAND]]`.
func help(g globals, args []string) error {
	if len(args) == 0 || (len(args) == 1 && args[0] == "help") {
		return writeMainHelp(g.stdout)
	}
	cmds, path := commands(), "liaison"
	var c command
	for _, name := range args {
		if path != "liaison" && len(cmds) == 0 {
			return usageError{cmd: "liaison help", msg: fmt.Sprintf("%s has no subcommands", strings.TrimPrefix(path, "liaison ")), more: mainHint}
		}
		found, err := lookup(cmds, path, name)
		if err != nil {
			return err
		}
		c, cmds, path = found, found.subcommands, path+" "+name
	}
	_, err := io.WriteString(g.stdout, c.help(path))
	return err
}

// closest is the name in names nearest to s, if it is a typo away.
func closest(s string, names []string) string {
	best, bestDist := "", 3
	for _, n := range names {
		if d := editDistance(s, n); d < bestDist {
			best, bestDist = n, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
