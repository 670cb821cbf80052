package main

import (
	"debug/elf"
	"errors"
	"log/slog"
	"net"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// repoRoot is the repository's root, from this package's directory.
const repoRoot = "../.."

// dockerfile reads the Dockerfile as instructions, continuation lines
// joined and comments dropped.
func dockerfile(t *testing.T) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot, "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	var cur string
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		if rest, ok := strings.CutSuffix(line, `\`); ok {
			cur += strings.TrimSpace(rest) + " "
			continue
		}
		if s := strings.TrimSpace(cur + strings.TrimSpace(line)); s != "" {
			out = append(out, s)
		}
		cur = ""
	}
	return out
}

// buildInstruction is the Dockerfile's RUN that builds the binary.
func buildInstruction(t *testing.T) string {
	t.Helper()
	var builds []string
	for _, ins := range dockerfile(t) {
		if strings.HasPrefix(ins, "RUN ") && (strings.Contains(ins, "go build") || strings.Contains(ins, "build-static")) {
			builds = append(builds, strings.TrimPrefix(ins, "RUN "))
		}
	}
	if len(builds) != 1 {
		t.Fatalf("the Dockerfile builds in %d RUN instructions, want 1: %q", len(builds), builds)
	}
	return builds[0]
}

// TestDockerfileBuildsWithTheScript keeps the image's build and
// scripts/build-static (which .ci/run runs) one and the same: the
// Dockerfile's build is that script, and running its RUN line as the
// image would makes a static binary with the version stamped in.
func TestDockerfileBuildsWithTheScript(t *testing.T) {
	build := buildInstruction(t)
	if strings.Contains(build, "go build") || !strings.HasPrefix(build, "scripts/build-static /out/liaison ") {
		t.Fatalf("the Dockerfile builds with %q; it must run scripts/build-static /out/liaison, which .ci/run tests", build)
	}
	script, err := os.ReadFile(filepath.Join(repoRoot, "scripts", "build-static"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(script), "CGO_ENABLED=0 go build ") {
		t.Errorf("scripts/build-static does not build with CGO_ENABLED=0:\n%s", script)
	}
	ci, err := os.ReadFile(filepath.Join(repoRoot, ".ci", "run"))
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^scripts/build-static `).Match(ci) {
		t.Error(".ci/run does not run scripts/build-static")
	}
	if testing.Short() {
		t.Skip("builds the binary")
	}

	// The RUN line as the image runs it, /out in a temp dir, with a
	// VERSION build argument and cgo left to the script.
	out := t.TempDir()
	cmd := exec.Command("sh", "-c", strings.ReplaceAll(build, "/out/", out+"/"))
	cmd.Dir = repoRoot
	cmd.Env = append(slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CGO_ENABLED=") }),
		"VERSION=v9.9.9-image", "CGO_ENABLED=1")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", build, err, b)
	}
	bin := filepath.Join(out, "liaison")
	assertStatic(t, bin)
	if fi, err := os.Stat(filepath.Join(out, "data")); err != nil || !fi.IsDir() {
		t.Errorf("the RUN line made no data directory for the volume: %v", err)
	}
	got, err := exec.Command(bin, "version").Output()
	if err != nil || !strings.HasPrefix(string(got), "liaison v9.9.9-image (go") {
		t.Errorf("version = %q, %v; want the VERSION build argument", got, err)
	}

	// The image's HEALTHCHECK, with its exit codes: 0 on 200, 1 otherwise.
	db := openBot(t, filepath.Join(t.TempDir(), "liaison.db"))
	for _, c := range []struct {
		up   bool
		code int
	}{{true, 0}, {false, 1}} {
		srv := httptest.NewServer(httpHandler(db, connection(c.up), prometheus.NewRegistry(), slog.New(slog.DiscardHandler), nil))
		_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
		hc := exec.Command(bin, "healthcheck")
		hc.Dir = t.TempDir()
		hc.Env = []string{"LIAISON_HTTP_ADDR=0.0.0.0:" + port} // as the image sets it
		outb, err := hc.CombinedOutput()
		srv.Close()
		code := 0
		if exit, ok := errors.AsType[*exec.ExitError](err); ok {
			code = exit.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != c.code || strings.Count(string(outb), "\n") != 1 {
			t.Errorf("healthcheck with the socket up=%v exited %d, want %d, saying %q (want one line)", c.up, code, c.code, outb)
		}
	}
}

// assertStatic fails unless bin is a statically linked ELF executable.
func assertStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP || p.Type == elf.PT_DYNAMIC {
			t.Errorf("%s is dynamically linked (it has %v); the distroless static image cannot run it", bin, p.Type)
		}
	}
}

func TestDockerfileHealthcheckRunsTheBinary(t *testing.T) {
	ins := dockerfile(t)
	want := map[string]bool{
		`COPY --from=build /out/liaison /usr/local/bin/liaison`: false,
		`USER nonroot:nonroot`: false,
		`ENV LIAISON_DB=/data/liaison.db LIAISON_HTTP_ADDR=0.0.0.0:8080`: false,
		`VOLUME /data`: false,
		`EXPOSE 8080`:  false,
	}
	var healthchecks []string
	for _, i := range ins {
		if _, ok := want[i]; ok {
			want[i] = true
		}
		if strings.HasPrefix(i, "HEALTHCHECK ") {
			healthchecks = append(healthchecks, i)
		}
	}
	for i, seen := range want {
		if !seen {
			t.Errorf("the Dockerfile lacks %q", i)
		}
	}
	// The exec form: distroless has no shell to run the shell form.
	if len(healthchecks) != 1 || !strings.HasSuffix(healthchecks[0], ` CMD ["/usr/local/bin/liaison", "healthcheck"]`) {
		t.Errorf("HEALTHCHECK = %q, want one, in the exec form, running /usr/local/bin/liaison healthcheck", healthchecks)
	}
}

func TestDockerignoreKeepsDataAndSecretsOut(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(repoRoot, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	var patterns []string
	for _, l := range strings.Split(string(raw), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			patterns = append(patterns, l)
		}
	}
	// A pattern as the build context reads it: "**/" is any directory,
	// and a directory that matches takes what is in it along.
	ignored := func(path string) bool {
		parts := strings.Split(path, "/")
		for _, p := range patterns {
			p = strings.TrimPrefix(p, "/")
			rest, anyDir := strings.CutPrefix(p, "**/")
			for i := range parts {
				if i > 0 && !anyDir {
					break
				}
				for j := i + 1; j <= len(parts); j++ {
					if m, _ := filepath.Match(rest, strings.Join(parts[i:j], "/")); m {
						return true
					}
				}
			}
		}
		return false
	}
	for _, path := range []string{".git", ".git/config", "liaison.db", "liaison.db-wal", "liaison.db-shm", "data/liaison.db",
		"backup.db.tmp", "config.yaml", "deploy/config.yaml", "liaison.test", "cmd/liaison/liaison.test", "wt-ops/main.go", "worktrees/x/go.mod"} {
		if !ignored(path) {
			t.Errorf(".dockerignore lets %s into the build context", path)
		}
	}
	for _, path := range []string{"go.mod", "go.sum", "cmd/liaison/main.go", "cmd/liaison/database.go", "storage/db.go", "scripts/build-static",
		"storage/migrations/0001_init.sql", "config.example.yaml", "manifest/manifest.yaml"} {
		if ignored(path) {
			t.Errorf(".dockerignore keeps %s, which the build needs, out", path)
		}
	}
}
