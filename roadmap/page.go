package roadmap

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// pages are the page templates; html/template escapes every value.
var pages = template.Must(template.ParseFS(assets, "assets/page.html"))

// columnNames are the columns' headings and classes, by status.
var columnNames = map[backlog.Status][2]string{
	backlog.StatusInProgress: {"Now", "now"},
	backlog.StatusPlanned:    {"Next", "next"},
	backlog.StatusTriaged:    {"Later", "later"},
	backlog.StatusShipped:    {"Recently shipped", "shipped"},
}

type (
	pageView struct {
		Title, Base, Updated, Query, FilterText, AllKinds string
		Filtered                                          bool
		Kind                                              backlog.Kind
		Kinds                                             []link
		Columns                                           []columnView
	}
	columnView struct {
		Name, Class string
		Total, More int
		Cards       []cardView
	}
	cardView struct {
		ID                  int64
		Title, Kind, Votes  string
		Shipped, ShippedISO string
		Labels              []link
	}
	link struct {
		Name, Href string
		Current    bool
	}
	itemView struct {
		Title, Base, Updated string
		Item                 struct {
			Title, Status, Kind, Votes string
			Labels                     []link
		}
		Asked      string   // "3 people"
		Requesters []string // with show_requesters: their Slack member ids
		History    []historyView
	}
	historyView struct{ Date, ISO, What string }
)

// base is the relative way from r's path back to the site's root, so the
// page's links work behind a proxy that serves it under a prefix.
func base(r *http.Request) string {
	return strings.Repeat("../", strings.Count(strings.TrimPrefix(r.URL.Path, "/"), "/"))
}

// columns reads the columns r asks for, answering it itself (a 304, or an
// error) when ok is false.
func (s *Server) columns(w http.ResponseWriter, r *http.Request, kind string) (q query, cols []storage.RoadmapColumn, ok bool) {
	if s.fresh(w, r, kind) {
		return q, nil, false
	}
	q = readQuery(r)
	cols, err := s.store.Roadmap(r.Context(), s.filter(q), s.now().Add(-shippedFor), ColumnSize)
	if err != nil {
		s.fail(w, r, err)
		return q, nil, false
	}
	return q, cols, true
}

func (s *Server) page(w http.ResponseWriter, r *http.Request) {
	q, cols, ok := s.columns(w, r, "page")
	if !ok {
		return
	}
	v := pageView{Title: s.cfg.Title, Base: base(r), Updated: s.date(s.now(), true), Kind: q.Kind,
		Query: q.queryString(q.Label, q.Kind), AllKinds: q.queryString(q.Label, "")}
	if q.Label != "" || q.Kind != "" {
		v.Filtered = true
		var parts []string
		if q.Kind != "" {
			parts = append(parts, strings.ToLower(kindsName(q.Kind)))
		}
		if q.Label != "" {
			parts = append(parts, "label “"+q.Label+"”")
		}
		v.FilterText = strings.Join(parts, " with ")
	}
	for _, k := range []backlog.Kind{backlog.KindFeature, backlog.KindBug, backlog.KindFeedback} {
		v.Kinds = append(v.Kinds, link{Name: kindsName(k), Href: q.queryString(q.Label, k), Current: q.Kind == k})
	}
	for _, c := range cols {
		names := columnNames[c.Status]
		cv := columnView{Name: names[0], Class: names[1], Total: c.Total, More: c.Total - len(c.Items)}
		for _, e := range c.Items {
			cv.Cards = append(cv.Cards, s.card(e, q))
		}
		v.Columns = append(v.Columns, cv)
	}
	s.render(w, "page", v)
}

func (s *Server) card(e storage.RoadmapEntry, q query) cardView {
	c := cardView{ID: e.ID, Title: e.Title, Kind: kindName(e.Kind), Votes: votes(e.Votes)}
	if !e.ShippedAt.IsZero() {
		c.Shipped, c.ShippedISO = s.date(e.ShippedAt, false), e.ShippedAt.UTC().Format(time.RFC3339)
	}
	for _, l := range e.Labels {
		c.Labels = append(c.Labels, link{Name: l, Href: q.queryString(l, q.Kind)})
	}
	return c
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	id, ok := itemID(r)
	if !ok {
		s.notFound(w, r)
		return
	}
	if s.fresh(w, r, fmt.Sprintf("item%d", id)) {
		return
	}
	e, history, err := s.store.RoadmapItem(r.Context(), id, s.cfg.Labels)
	if errors.Is(err, storage.ErrNotFound) {
		s.notFound(w, r)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := itemView{Title: s.cfg.Title, Base: base(r), Updated: s.date(s.now(), true)}
	v.Item.Title, v.Item.Status, v.Item.Kind, v.Item.Votes = e.Title, e.Status.Label(), kindName(e.Kind), votes(e.Votes)
	for _, l := range e.Labels {
		v.Item.Labels = append(v.Item.Labels, link{Name: l, Href: query{}.queryString(l, "")})
	}
	followers, err := s.store.Followers(r.Context(), id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Asked = people(len(followers))
	if s.cfg.ShowRequesters {
		v.Requesters = followers
	}
	for _, c := range history {
		v.History = append(v.History, historyView{Date: s.date(c.At, false), ISO: c.At.UTC().Format(time.RFC3339), What: changeWords(c)})
	}
	s.render(w, "item", v)
}

// changeWords says what a status change did, for people outside Slack.
func changeWords(c storage.Change) string {
	switch c.Type {
	case "created":
		return "requested"
	case "imported":
		return "imported as " + backlog.Status(c.To).Label()
	}
	return backlog.Status(c.To).Label()
}

func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNotFound)
	s.render(w, "denied", map[string]string{"Title": s.cfg.Title, "Base": base(r),
		"Message": "There is no such item on this roadmap.", "Link": "yes"})
}

func (s *Server) denied(w http.ResponseWriter, r *http.Request, msg string) {
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusUnauthorized)
	s.render(w, "denied", map[string]string{"Title": s.cfg.Title, "Base": base(r), "Message": msg})
}

// render writes template name with v, or a 500 when it fails.
func (s *Server) render(w http.ResponseWriter, name string, v any) {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, v); err != nil {
		s.log.Error("roadmap template", "template", name, "err", err)
		http.Error(w, "The roadmap could not be shown.", http.StatusInternalServerError)
		return
	}
	if w.Header().Get("Content-Type") == "" {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
	}
	w.Write(buf.Bytes())
}

// asset serves an embedded file, cacheable for an hour.
func asset(name, contentType string) http.Handler {
	b, err := assets.ReadFile(name)
	if err != nil {
		panic("roadmap: no asset " + name) // embedded at build time
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("Cache-Control", "public, max-age=3600")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Write(b)
	})
}

// jsonItem is an item in /roadmap.json.
type jsonItem struct {
	ID        int64    `json:"id"`
	Title     string   `json:"title"`
	Kind      string   `json:"kind"`
	Status    string   `json:"status"`
	Votes     int      `json:"votes"`
	Labels    []string `json:"labels"`
	ShippedAt *string  `json:"shipped_at"` // null unless shipped
	URL       string   `json:"url"`        // the item's page, relative to the site
}

func (s *Server) json(w http.ResponseWriter, r *http.Request) {
	_, cols, ok := s.columns(w, r, "json")
	if !ok {
		return
	}
	type column struct {
		Name   string     `json:"name"`
		Status string     `json:"status"`
		Total  int        `json:"total"`
		Items  []jsonItem `json:"items"`
	}
	out := struct {
		Title   string   `json:"title"`
		Updated string   `json:"updated"`
		Columns []column `json:"columns"`
	}{Title: s.cfg.Title, Updated: s.now().UTC().Format(time.RFC3339)}
	for _, c := range cols {
		col := column{Name: columnNames[c.Status][0], Status: string(c.Status), Total: c.Total, Items: []jsonItem{}}
		for _, e := range c.Items {
			it := jsonItem{ID: e.ID, Title: e.Title, Kind: string(e.Kind), Status: string(e.Status), Votes: e.Votes,
				Labels: append([]string{}, e.Labels...), URL: fmt.Sprintf("roadmap/items/%d", e.ID)}
			if !e.ShippedAt.IsZero() {
				t := e.ShippedAt.UTC().Format(time.RFC3339)
				it.ShippedAt = &t
			}
			col.Items = append(col.Items, it)
		}
		out.Columns = append(out.Columns, col)
	}
	w.Header().Set("Content-Type", "application/json")
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(out)
}

// date writes t in the roadmap's zone: "1 Dec 2026", with the time "1 Dec 2026, 14:02 CET".
func (s *Server) date(t time.Time, clock bool) string {
	if clock {
		return t.In(s.loc).Format("2 Jan 2006, 15:04 MST")
	}
	return t.In(s.loc).Format("2 Jan 2006")
}

func kindName(k backlog.Kind) string {
	switch k {
	case backlog.KindFeature:
		return "Feature"
	case backlog.KindBug:
		return "Bug"
	}
	return "Feedback"
}

// kindsName is a kind as a filter says it: "Features", "Bugs", "Feedback".
func kindsName(k backlog.Kind) string {
	if k == backlog.KindFeedback {
		return "Feedback"
	}
	return kindName(k) + "s"
}

func people(n int) string {
	if n == 1 {
		return "1 person"
	}
	return fmt.Sprintf("%d people", n)
}

func votes(n int) string {
	if n == 1 {
		return "1 vote"
	}
	return fmt.Sprintf("%d votes", n)
}
