package main

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/liaisonbot/liaison/storage"
)

// exportRecord is one item in the export format of SPEC §9.
type exportRecord struct {
	ID             int64    `json:"id"`
	Kind           string   `json:"kind"`
	Status         string   `json:"status"`
	Capture        string   `json:"capture"`
	Title          string   `json:"title"`
	Body           string   `json:"body"`
	Permalink      string   `json:"permalink"`
	SourceTeam     string   `json:"source_team"`
	SourceChannel  string   `json:"source_channel"`
	SourceTS       string   `json:"source_ts"`
	SourceThreadTS string   `json:"source_thread_ts"`
	Reporter       string   `json:"reporter"`
	Capturer       string   `json:"capturer"`
	Assignee       string   `json:"assignee"`
	TrackerURL     string   `json:"tracker_url"`
	Labels         []string `json:"labels"`
	Voters         []string `json:"voters"`
	Followers      []string `json:"followers"`
	Votes          int      `json:"votes"`
	Score          *float64 `json:"score"`
	Reach          *float64 `json:"reach"`
	Impact         *float64 `json:"impact"`
	Confidence     *float64 `json:"confidence"`
	Effort         *float64 `json:"effort"`
	DuplicateOf    *int64   `json:"duplicate_of"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
}

// csvHeader is the CSV column order: the JSON fields, arrays joined with ";".
var csvHeader = []string{"id", "kind", "status", "capture", "title", "body", "permalink", "source_team",
	"source_channel", "source_ts", "source_thread_ts", "reporter", "capturer", "assignee", "tracker_url",
	"labels", "voters", "followers", "votes", "score", "reach", "impact", "confidence", "effort",
	"duplicate_of", "created_at", "updated_at"}

func newExportRecord(e storage.ExportItem) exportRecord {
	it := e.Item
	r := exportRecord{
		ID: it.ID, Kind: string(it.Kind), Status: string(it.Status), Capture: string(it.Capture),
		Title: it.Title, Body: it.Body, Permalink: it.Source.Permalink,
		SourceTeam: it.Source.Team, SourceChannel: it.Source.Channel, SourceTS: it.Source.TS, SourceThreadTS: it.Source.ThreadTS,
		Reporter: it.Reporter, Capturer: it.Capturer, Assignee: it.Assignee, TrackerURL: it.TrackerURL,
		Labels: e.Item.Labels, Voters: e.Voters, Followers: e.Followers, Votes: len(e.Voters),
		Score: it.RICE.Score, Reach: it.RICE.Reach, Impact: it.RICE.Impact, Confidence: it.RICE.Confidence, Effort: it.RICE.Effort,
		CreatedAt: it.CreatedAt.UTC().Format(time.RFC3339), UpdatedAt: it.UpdatedAt.UTC().Format(time.RFC3339),
	}
	if r.Labels == nil {
		r.Labels = []string{}
	}
	if it.DuplicateOf != 0 {
		d := it.DuplicateOf
		r.DuplicateOf = &d
	}
	return r
}

// csvRow renders a record in csvHeader's order.
func (r exportRecord) csvRow() []string {
	num := func(f *float64) string {
		if f == nil {
			return ""
		}
		return strconv.FormatFloat(*f, 'f', -1, 64)
	}
	dup := ""
	if r.DuplicateOf != nil {
		dup = strconv.FormatInt(*r.DuplicateOf, 10)
	}
	return []string{strconv.FormatInt(r.ID, 10), r.Kind, r.Status, r.Capture, r.Title, r.Body, r.Permalink,
		r.SourceTeam, r.SourceChannel, r.SourceTS, r.SourceThreadTS, r.Reporter, r.Capturer, r.Assignee, r.TrackerURL,
		strings.Join(r.Labels, ";"), strings.Join(r.Voters, ";"), strings.Join(r.Followers, ";"), strconv.Itoa(r.Votes),
		num(r.Score), num(r.Reach), num(r.Impact), num(r.Confidence), num(r.Effort), dup, r.CreatedAt, r.UpdatedAt}
}

var exportCommand = command{
	name:    "export",
	summary: "write every item as JSON or CSV",
	about: `Writes every item with its votes, followers and labels: one JSON array, or CSV with a header
row (lists joined with ";"). It reads a consistent snapshot, so it is safe while the bot runs.
It only reads: it never creates or upgrades a database (run ` + "`liaison migrate`" + ` for that).`,
	env:         []string{"LIAISON_DB"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		format := choiceFlag(fs, "format", "the output format", "json", "csv")
		out := fs.String("out", "", "write to `FILE` instead of stdout")
		return func(ctx context.Context, g globals, _ []string) error { return cmdExport(ctx, g, *format, *out) }
	},
}

// cmdExport writes every item as JSON (one array) or CSV to stdout or outPath.
// It reads a consistent snapshot, so it is safe while the bot runs.
func cmdExport(ctx context.Context, g globals, format, outPath string) error {
	_, db, err := openExisting(ctx, g)
	if err != nil {
		return err
	}
	defer db.Close()

	var w io.Writer = g.stdout
	var file *os.File
	if outPath != "" {
		// Written beside outPath and renamed over it once complete, so a
		// failed export never leaves a partial file where the last one was.
		if file, err = os.CreateTemp(filepath.Dir(outPath), "."+filepath.Base(outPath)+".*.tmp"); err != nil {
			return fmt.Errorf("--out: %w", err)
		}
		defer os.Remove(file.Name()) // gone by then after a success
		defer file.Close()
		w = file
	}
	bw := bufio.NewWriter(w)
	if format == "csv" {
		err = exportCSV(ctx, db, bw)
	} else {
		err = exportJSON(ctx, db, bw)
	}
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	if file == nil {
		return nil
	}
	if err := file.Sync(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := file.Close(); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	if err := os.Rename(file.Name(), outPath); err != nil {
		return fmt.Errorf("--out: %w", err)
	}
	return nil
}

// exportJSON streams one JSON array, an item per line.
func exportJSON(ctx context.Context, db *storage.DB, w *bufio.Writer) error {
	w.WriteString("[")
	first := true
	err := db.EachItem(ctx, func(e storage.ExportItem) error {
		b, err := json.Marshal(newExportRecord(e))
		if err != nil {
			return err
		}
		if !first {
			w.WriteString(",")
		}
		first = false
		w.WriteString("\n")
		_, err = w.Write(b)
		return err
	})
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if !first {
		w.WriteString("\n")
	}
	_, err = w.WriteString("]\n")
	return err
}

// exportCSV streams a header row and a row per item.
func exportCSV(ctx context.Context, db *storage.DB, w *bufio.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader); err != nil {
		return err
	}
	err := db.EachItem(ctx, func(e storage.ExportItem) error { return cw.Write(newExportRecord(e).csvRow()) })
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	cw.Flush()
	return cw.Error()
}
