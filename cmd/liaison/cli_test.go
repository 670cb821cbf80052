package main

import (
	"context"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// everyCommand is each command of the table with the path typed to reach it.
func everyCommand() map[string]command {
	all := map[string]command{}
	for _, c := range commands() {
		all[c.name] = c
		for _, s := range c.subcommands {
			all[c.name+" "+s.name] = s
		}
	}
	return all
}

func TestHelpDescribesEachCommandItsFlagsAndEnvironment(t *testing.T) {
	env := []string{"LIAISON_DB=" + filepath.Join(t.TempDir(), "liaison.db")}
	for path, c := range everyCommand() {
		t.Run(path, func(t *testing.T) {
			words := strings.Fields(path)
			var outputs []string
			for _, args := range [][]string{
				append([]string{"help"}, words...),
				append(append([]string{}, words...), "--help"),
				append(append([]string{}, words...), "-h"),
			} {
				stdout, stderr, code := runCLI(t, env, args...)
				if code != 0 || stderr != "" {
					t.Fatalf("%v: exit %d, stderr %q; want 0 and nothing on stderr", args, code, stderr)
				}
				outputs = append(outputs, stdout)
			}
			if outputs[0] != outputs[1] || outputs[0] != outputs[2] {
				t.Errorf("help CMD, CMD --help and CMD -h differ:\n%s\n---\n%s\n---\n%s", outputs[0], outputs[1], outputs[2])
			}
			text := outputs[0]
			for _, want := range []string{"liaison " + path + ": " + c.summary, "Usage: liaison " + path} {
				if !strings.Contains(text, want) {
					t.Errorf("help lacks %q:\n%s", want, text)
				}
			}
			c.visitFlags(func(f *flag.Flag, _, _ string) {
				if !strings.Contains(text, "--"+f.Name) {
					t.Errorf("help does not describe --%s:\n%s", f.Name, text)
				}
			})
			if c.readsConfig && !strings.Contains(text, "--config FILE") {
				t.Errorf("help of a command that reads the configuration does not list --config:\n%s", text)
			}
			for _, name := range c.env {
				if envAbout(name) == "" {
					t.Errorf("%s is not described in envHelp", name)
				}
				if !strings.Contains(text, name+"  ") {
					t.Errorf("help does not describe %s:\n%s", name, text)
				}
			}
			for _, s := range c.subcommands {
				if !strings.Contains(text, s.name+"  "+s.summary) {
					t.Errorf("help does not list subcommand %s:\n%s", s.name, text)
				}
			}
			if c.flags != nil && len(c.env) == 0 && !strings.Contains(text, "Environment:\n  none\n") {
				t.Errorf("help of a command that reads no environment does not say so:\n%s", text)
			}
		})
	}
}

func TestHelpListsEveryCommand(t *testing.T) {
	want, _, code := runCLI(t, nil, "help")
	if code != 0 {
		t.Fatalf("help: exit %d", code)
	}
	for path, c := range everyCommand() {
		if name := strings.Join(append([]string{path}, c.args...), " "); len(c.subcommands) == 0 && !strings.Contains(want, "  "+name+"  ") {
			t.Errorf("liaison help does not list %q:\n%s", path, want)
		}
		if len(c.subcommands) == 0 && !strings.Contains(want, c.summary) {
			t.Errorf("liaison help lacks the summary of %s", path)
		}
	}
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help", "help"}} {
		if got, _, code := runCLI(t, nil, args...); code != 0 || got != want {
			t.Errorf("%v: exit %d, output differs from liaison help", args, code)
		}
	}
}

func TestVersionFlagAndCommand(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		stdout, stderr, code := runCLI(t, nil, args...)
		if code != 0 || stderr != "" || !strings.HasPrefix(stdout, "liaison dev (go") || strings.Count(stdout, "\n") != 1 {
			t.Errorf("%v: exit %d, stdout %q, stderr %q; want one line liaison dev (go…)", args, code, stdout, stderr)
		}
	}
}

func TestUsageMistakesExitTwoAndSaySoOnce(t *testing.T) {
	dbPath := filepath.Join(t.TempDir(), "liaison.db")
	env := []string{"LIAISON_DB=" + dbPath}
	tests := []struct {
		args []string
		want string // the first line of stderr
	}{
		{nil, "liaison: no command given"},
		{[]string{"frobnicate"}, `liaison: unknown command "frobnicate"`},
		{[]string{"exprot"}, `liaison: unknown command "exprot"; did you mean export?`},
		{[]string{"--frob"}, "liaison: flag provided but not defined: -frob"},
		{[]string{"--config"}, "liaison: flag needs an argument: -config"},
		{[]string{"export", "--frob"}, "liaison export: flag provided but not defined: -frob"},
		{[]string{"export", "--format", "xml"}, `liaison export: invalid value "xml" for flag -format: use json or csv`},
		{[]string{"export", "--out"}, "liaison export: flag needs an argument: -out"},
		{[]string{"export", "stray"}, `liaison export: unexpected argument "stray"`},
		{[]string{"migrate", "--config"}, "liaison migrate: flag needs an argument: -config"},
		{[]string{"run", "now"}, `liaison run: unexpected argument "now"`},
		{[]string{"version", "2"}, `liaison version: unexpected argument "2"`},
		{[]string{"digest"}, "liaison digest: missing subcommand: preview"},
		{[]string{"digest", "frob"}, `liaison digest: unknown subcommand "frob"`},
		{[]string{"digest", "--format", "text", "preview"}, "liaison digest: flag provided but not defined: -format"},
		{[]string{"digest", "preview", "--since", "soon"},
			`liaison digest preview: invalid value "soon" for flag -since: use a number of days like 7d, or a duration like 36h`},
		{[]string{"digest", "preview", "--format", "html"}, `liaison digest preview: invalid value "html" for flag -format: use text or blocks`},
		{[]string{"help", "frob"}, `liaison: unknown command "frob"`},
		{[]string{"help", "digest", "frob"}, `liaison digest: unknown subcommand "frob"`},
		{[]string{"help", "export", "csv"}, "liaison help: export has no subcommands"},
	}
	for _, tt := range tests {
		stdout, stderr, code := runCLI(t, env, tt.args...)
		if code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", tt.args, code, stderr)
		}
		if stdout != "" {
			t.Errorf("%v: printed %q on stdout; usage mistakes go to stderr", tt.args, stdout)
		}
		first, _, _ := strings.Cut(stderr, "\n")
		if first != tt.want {
			t.Errorf("%v: first line %q, want %q", tt.args, first, tt.want)
		}
		if n := strings.Count(stderr, tt.want); n != 1 {
			t.Errorf("%v: the message is printed %d times:\n%s", tt.args, n, stderr)
		}
		if n := strings.Count(stderr, "Usage:"); n > 1 {
			t.Errorf("%v: the usage is printed %d times:\n%s", tt.args, n, stderr)
		}
		if strings.Contains(stderr, "Usage of") || !strings.Contains(stderr, "liaison help") {
			t.Errorf("%v: want our hint alone, not flag's usage:\n%s", tt.args, stderr)
		}
	}
	if _, err := os.Stat(dbPath); !errors.Is(err, os.ErrNotExist) {
		t.Error("a usage mistake created the database")
	}
}

func TestRuntimeFailuresExitOneAndSaySoOnce(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "liaison.db")
	env := []string{"LIAISON_DB=" + dbPath}
	badConfig := writeFile(t, "log:\n  level: loud\n")
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"bad configuration", env, []string{"--config", badConfig, "migrate"},
			`liaison: the configuration has 1 problem:` + "\n" + `  log.level: "loud" is not one of debug, info, warn, error (example: info)`},
		{"missing configuration file", env, []string{"export", "--config", filepath.Join(dir, "nope.yaml")}, "liaison: read config: open " + filepath.Join(dir, "nope.yaml")},
		{"no tokens", env, []string{"run"}, "liaison: the configuration has 2 problems:"},
		{"no database", env, []string{"export"}, "liaison: no database at " + dbPath},
		{"no such subscription", env, []string{"digest", "preview", "--subscription", "nope"}, `liaison: no subscription "nope"`},
		{"unwritable --out", env, []string{"export", "--out", filepath.Join(dir, "no", "such", "x.json")}, "liaison: --out: open"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "no such subscription" || tt.name == "unwritable --out" {
				migratedDB(t, dbPath)
			}
			stdout, stderr, code := runCLI(t, tt.env, tt.args...)
			if code != 1 {
				t.Errorf("exit %d, want 1\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("printed %q on stdout", stdout)
			}
			if !strings.HasPrefix(stderr, tt.want) || strings.Count(stderr, tt.want) != 1 {
				t.Errorf("stderr:\n%s\nwant it to start with, once:\n%s", stderr, tt.want)
			}
			if strings.Contains(stderr, "Usage") {
				t.Errorf("a runtime failure printed usage:\n%s", stderr)
			}
		})
	}
}

func TestConfigFlagBeforeBetweenAndAfterCommands(t *testing.T) {
	dir := t.TempDir()
	dbPath := filepath.Join(dir, "from-config.db")
	cfgPath := filepath.Join(dir, "c.yaml")
	if err := os.WriteFile(cfgPath, []byte("storage:\n  path: "+dbPath+"\ndigests:\n  - name: from-config\n    channel: C0STAKE\n    schedule: weekly mon 09:00\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	migratedDB(t, dbPath)
	for _, args := range [][]string{
		{"--config", cfgPath, "digest", "preview"},
		{"digest", "--config", cfgPath, "preview"},
		{"digest", "preview", "--config", cfgPath},
		{"digest", "preview", "--since", "7d", "--config", cfgPath, "--format", "text"},
	} {
		stdout, stderr, code := runCLI(t, nil, args...) // no LIAISON_DB: the path comes from the file
		if code != 0 || !strings.HasPrefix(stdout, "from-config — a quiet period") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, code, stdout, stderr)
		}
	}
	for _, args := range [][]string{{"--config", cfgPath, "export"}, {"export", "--config", cfgPath}, {"export", "--format", "csv", "--config", cfgPath}} {
		if _, stderr, code := runCLI(t, nil, args...); code != 0 {
			t.Errorf("%v: exit %d\n%s", args, code, stderr)
		}
	}
	// The last --config wins.
	if _, stderr, code := runCLI(t, nil, "--config", filepath.Join(dir, "nope.yaml"), "export", "--config", cfgPath); code != 0 {
		t.Errorf("a later --config did not replace an earlier one: exit %d\n%s", code, stderr)
	}
}

// TestPositionalArgumentsAmongFlags drives a command taking FILE, as
// backup does, through the same dispatcher as the table's commands.
func TestPositionalArgumentsAmongFlags(t *testing.T) {
	var got []string
	var gotConfig, gotMode string
	cmd := command{name: "copy", summary: "copy", args: []string{"FILE"}, readsConfig: true,
		flags: func(fs *flag.FlagSet) action {
			mode := fs.String("mode", "fast", "how")
			return func(_ context.Context, g globals, args []string) error {
				got, gotConfig, gotMode = args, g.configPath, *mode
				return nil
			}
		}}
	tests := []struct {
		args               []string
		file, config, mode string
	}{
		{[]string{"out.db"}, "out.db", "", "fast"},
		{[]string{"--config", "c.yaml", "out.db"}, "out.db", "c.yaml", "fast"},
		{[]string{"out.db", "--config", "c.yaml", "--mode", "slow"}, "out.db", "c.yaml", "slow"},
		{[]string{"--mode=slow", "out.db", "--config=c.yaml"}, "out.db", "c.yaml", "slow"},
		{[]string{"--", "-odd.db"}, "-odd.db", "", "fast"},
	}
	for _, tt := range tests {
		got = nil
		err := cmd.execute(context.Background(), globals{}, "liaison copy", tt.args)
		if err != nil || !reflect.DeepEqual(got, []string{tt.file}) || gotConfig != tt.config || gotMode != tt.mode {
			t.Errorf("%v: err %v, args %q, config %q, mode %q; want [%s] %q %q", tt.args, err, got, gotConfig, gotMode, tt.file, tt.config, tt.mode)
		}
	}
	for args, want := range map[string]string{
		"":                   "liaison copy: missing FILE",
		"--config c.yaml":    "liaison copy: missing FILE",
		"a.db b.db":          `liaison copy: unexpected argument "b.db"`,
		"a.db --mode":        "liaison copy: flag needs an argument: -mode",
		"--wrong a.db":       "liaison copy: flag provided but not defined: -wrong",
		"a.db --config x -q": "liaison copy: flag provided but not defined: -q",
	} {
		err := cmd.execute(context.Background(), globals{}, "liaison copy", strings.Fields(args))
		var ue usageError
		if !errors.As(err, &ue) || err.Error() != want {
			t.Errorf("%q: %v, want the usage error %q", args, err, want)
		}
		if !strings.Contains(ue.more, "Usage: liaison copy [--config FILE] [--mode MODE] FILE") {
			t.Errorf("%q: hint %q lacks the usage line", args, ue.more)
		}
	}
}
