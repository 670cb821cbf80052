package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// healthTimeout bounds the whole request, so a container's health check
// answers in under 2 s whatever the bot is doing.
const healthTimeout = 1500 * time.Millisecond

var healthcheckCommand = command{
	name:    "healthcheck",
	summary: "ask the running bot's /healthz; exit 0 on 200, else 1",
	about: `Asks GET /healthz on http.addr (the same configuration and environment as run; 0.0.0.0 or
:PORT are asked on 127.0.0.1) and exits 0 when it answers 200, 1 otherwise, always within 2 s,
printing one line saying what it saw. The Docker image's HEALTHCHECK runs it: the image has no curl.`,
	env:         []string{"LIAISON_HTTP_ADDR"},
	readsConfig: true,
	flags:       noFlags(cmdHealthcheck),
}

// cmdHealthcheck asks the running bot's GET /healthz on http.addr (the
// same configuration and environment as run) and succeeds only on a 200.
// It prints one line saying what it saw: on stdout when healthy, as the
// error otherwise. It is the image's HEALTHCHECK, which has no curl.
func cmdHealthcheck(ctx context.Context, g globals, _ []string) error {
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	if cfg.HTTP.Addr == "" {
		return errors.New("unhealthy: http.addr is empty, so the bot serves no /healthz; set LIAISON_HTTP_ADDR (e.g. 127.0.0.1:8080) for run and healthcheck alike")
	}
	target, err := healthURL(cfg.HTTP.Addr)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("unhealthy: %w", err)
	}
	client := &http.Client{
		Timeout: healthTimeout,
		// The bot's own listener, never a proxy from the environment.
		Transport: &http.Transport{Proxy: nil, DisableKeepAlives: true},
	}
	resp, err := client.Do(req)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) || os.IsTimeout(err) {
			return fmt.Errorf("unhealthy: %s gave no answer within %v", target, healthTimeout)
		}
		return fmt.Errorf("unhealthy: %s: %w", target, unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	line, _, _ := strings.Cut(string(bytes.TrimSpace(body)), "\n")
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("unhealthy: %s answered %s %s", target, resp.Status, line)
	}
	fmt.Fprintf(g.stdout, "healthy: %s answered %s %s\n", target, resp.Status, line)
	return nil
}

// healthURL is where http.addr is reached from this machine: a listener on
// every interface (0.0.0.0:8080, [::]:8080, :8080) is dialled on 127.0.0.1.
func healthURL(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("http.addr %q: %w; want host:port, e.g. 127.0.0.1:8080", addr, err)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port) + "/healthz", nil
}

// unwrapURLError drops net/http's `Get "…":` prefix, which the message
// already names, keeping the cause (connection refused, no such host).
func unwrapURLError(err error) error {
	if ue, ok := errors.AsType[*url.Error](err); ok {
		return ue.Err
	}
	return err
}
