// Package roadmap serves the roadmap page (SPEC §13): what is being built
// now, next and later, and what shipped lately, for people who are not in
// Slack. Server-rendered HTML that needs no JavaScript and loads nothing
// from elsewhere, the same data as JSON, and an optional token.
package roadmap

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Config is roadmap: in the configuration.
type Config struct {
	Title string
	// Token, when set, is needed once per browser: ?token=… sets a cookie.
	Token string
	// Labels selects the items shown at all; the others are never shown.
	Labels backlog.DigestFilter
	// ShowRequesters lists who asked on an item's page; else only how many.
	ShowRequesters bool
	// Timezone is the IANA zone dates are shown in.
	Timezone string
}

// Store is what the page reads.
type Store interface {
	Roadmap(ctx context.Context, f backlog.DigestFilter, shippedSince time.Time, limit int) ([]storage.RoadmapColumn, error)
	RoadmapItem(ctx context.Context, id int64, f backlog.DigestFilter) (storage.RoadmapEntry, []storage.Change, error)
	LastChange(ctx context.Context) (int64, time.Time, error)
	Followers(ctx context.Context, id int64) ([]string, error)
}

// Limits of the page.
const (
	// ColumnSize is how many items a column shows before "and N more".
	ColumnSize = 50
	// shippedFor is how long a shipped item stays in Recently shipped.
	shippedFor = 30 * 24 * time.Hour
	// cookieName holds the token's proof once ?token= was given.
	cookieName = "liaison_roadmap"
	// cookieLife is how long a browser keeps it.
	cookieLife = 90 * 24 * time.Hour
	// maxRenders bounds the pages read from the database at once: the page
	// is public, and the database's read pool also serves Slack's handlers.
	maxRenders = 2
)

//go:embed assets
var assets embed.FS

// contentSecurity lets the page load its own stylesheet and nothing else.
const contentSecurity = "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// Server serves /roadmap, /roadmap.json, /roadmap/items/<id> and the stylesheet.
type Server struct {
	cfg   Config
	store Store
	log   *slog.Logger
	loc   *time.Location
	proof string // the cookie value a valid token earns: an HMAC of it
	// version tells pages made under another configuration (or build)
	// apart in ETags: a label newly hidden must not be answered 304.
	version string
	now     func() time.Time
	renders chan struct{} // a slot per page being read, maxRenders in all
}

// New makes the roadmap's server.
func New(cfg Config, store Store, log *slog.Logger) *Server {
	loc, err := time.LoadLocation(cfg.Timezone)
	if err != nil {
		loc = time.UTC
	}
	if cfg.Title == "" {
		cfg.Title = "Product roadmap"
	}
	s := &Server{cfg: cfg, store: store, log: log, loc: loc, now: time.Now, renders: make(chan struct{}, maxRenders)}
	shown := cfg
	shown.Token = "" // the token changes who may see, not what
	sum := sha256.Sum256(fmt.Appendf(nil, "%+v|%s", shown, buildID()))
	s.version = hex.EncodeToString(sum[:4])
	if cfg.Token != "" {
		m := hmac.New(sha256.New, []byte(cfg.Token))
		m.Write([]byte("liaison roadmap cookie"))
		s.proof = hex.EncodeToString(m.Sum(nil))
	}
	return s
}

// Register mounts the roadmap's routes on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.Handle("GET /roadmap", s.guard(s.page))
	mux.Handle("GET /roadmap.json", s.guard(s.json))
	mux.Handle("GET /roadmap/items/{id}", s.guard(s.item))
	mux.Handle("GET /roadmap/style.css", asset("assets/style.css", "text/css; charset=utf-8"))
	mux.Handle("GET /roadmap/favicon.svg", asset("assets/favicon.svg", "image/svg+xml"))
}

// guard adds the security headers and, with a token set, lets through
// only requests that carry it: ?token=… (then a cookie remembers it, and
// the browser is sent to the URL without it) or that cookie.
func (s *Server) guard(next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", contentSecurity)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next := s.bounded(next)
		if s.cfg.Token == "" {
			// Caches ask again every time (an ETag makes that cheap): a
			// newly hidden item must not stay in a shared cache.
			h.Set("Cache-Control", "no-cache")
			next(w, r)
			return
		}
		q := r.URL.Query()
		if tok := q.Get("token"); tok != "" {
			if subtle.ConstantTimeCompare([]byte(tok), []byte(s.cfg.Token)) != 1 {
				s.denied(w, r, "That link's token is not this roadmap's. Ask for a new link.")
				return
			}
			http.SetCookie(w, &http.Cookie{
				// Path /: /roadmap would not cover /roadmap.json.
				Name: cookieName, Value: s.proof, Path: "/", MaxAge: int(cookieLife.Seconds()),
				HttpOnly: true, SameSite: http.SameSiteLaxMode, Secure: secure(r),
			})
			q.Del("token")
			// Relative (the page's own name), so a proxy serving the page
			// under a prefix keeps it; http.Redirect would make it absolute.
			clean := path.Base(r.URL.Path)
			if len(q) > 0 {
				clean += "?" + q.Encode()
			}
			h.Set("Cache-Control", "no-store")
			h.Set("Location", clean)
			w.WriteHeader(http.StatusSeeOther)
			return
		}
		c, err := r.Cookie(cookieName)
		if err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.proof)) != 1 {
			s.denied(w, r, "This roadmap is private. Open it with the link you were given (it carries a token).")
			return
		}
		h.Set("Cache-Control", "private, no-cache")
		next(w, r)
	})
}

// buildID names the binary, so a new release's pages get new ETags.
func buildID() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" {
				return s.Value
			}
		}
		return bi.Main.Version
	}
	return ""
}

// bounded runs next when one of maxRenders slots is free, and answers 503
// with Retry-After otherwise: a crowd on the page never queues up reads
// in front of Slack's handlers.
func (s *Server) bounded(next http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		select {
		case s.renders <- struct{}{}:
			defer func() { <-s.renders }()
			next(w, r)
		default:
			w.Header().Set("Retry-After", "1")
			http.Error(w, "The roadmap is busy; try again in a moment.", http.StatusServiceUnavailable)
		}
	}
}

// secure reports whether the browser reached the page over HTTPS (itself,
// or through a proxy that says so).
func secure(r *http.Request) bool {
	return r.TLS != nil || strings.EqualFold(r.Header.Get("X-Forwarded-Proto"), "https")
}

// query is what a request asks for: ?label= and ?kind=.
type query struct {
	Label string
	Kind  backlog.Kind
}

func readQuery(r *http.Request) query {
	q := query{Label: backlog.NormalizeLabel(r.URL.Query().Get("label"))}
	if !backlog.ValidLabel(q.Label) {
		q.Label = ""
	}
	if k, err := backlog.ParseKind(r.URL.Query().Get("kind")); err == nil && r.URL.Query().Get("kind") != "" {
		q.Kind = k
	}
	return q
}

// filter is the configured label filter narrowed by q.
func (s *Server) filter(q query) backlog.DigestFilter {
	f := s.cfg.Labels
	f.All = append(append([]string(nil), f.All...), nonEmpty(q.Label)...)
	if q.Kind != "" {
		f.Kinds = []backlog.Kind{q.Kind}
	}
	return f
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// fresh answers 304 when the browser's copy is of the backlog as it is
// now, and sets the validators otherwise. The day is part of the tag:
// "recently shipped" moves with the calendar.
func (s *Server) fresh(w http.ResponseWriter, r *http.Request, kind string) bool {
	id, at, err := s.store.LastChange(r.Context())
	if err != nil {
		return false
	}
	sum := sha256.Sum256([]byte(r.URL.RawQuery))
	tag := fmt.Sprintf(`"%s-%s-%d-%s-%x"`, kind, s.version, id, s.now().In(s.loc).Format("20060102"), sum[:6])
	w.Header().Set("ETag", tag)
	if !at.IsZero() {
		w.Header().Set("Last-Modified", at.UTC().Format(http.TimeFormat))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		if inm == tag {
			w.WriteHeader(http.StatusNotModified)
			return true
		}
		return false
	}
	if ims, err := http.ParseTime(r.Header.Get("If-Modified-Since")); err == nil && !at.IsZero() && !at.Truncate(time.Second).After(ims) {
		w.WriteHeader(http.StatusNotModified)
		return true
	}
	return false
}

// itemID reads /roadmap/items/{id}.
func itemID(r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(strings.TrimPrefix(r.PathValue("id"), "#"), 10, 64)
	return id, err == nil && id > 0
}

// fail logs err and answers 500 without its detail.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return
	}
	s.log.Error("roadmap", "path", r.URL.Path, "err", err)
	http.Error(w, "The roadmap could not be read just now. Try again in a minute.", http.StatusInternalServerError)
}

// queryString is q as a URL query, "" when empty.
func (q query) queryString(label string, kind backlog.Kind) string {
	v := url.Values{}
	if label != "" {
		v.Set("label", label)
	}
	if kind != "" {
		v.Set("kind", string(kind))
	}
	if len(v) == 0 {
		return ""
	}
	return "?" + v.Encode()
}
