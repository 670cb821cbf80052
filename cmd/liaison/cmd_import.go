package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// importHint follows a usage mistake in import.
const importHint = "Run 'liaison help import' for its flags and environment.\n"

var importCommand = command{
	name:    "import",
	summary: "restore the items of an export, every row checked first",
	args:    []string{"FILE"},
	about: `Reads a file liaison export wrote, JSON or CSV (--format, or from FILE's extension), and restores
its items with their ids, votes, followers and labels. Every row is checked first and every
problem reported with its row number and field; then all items are written in one transaction,
or none. Items already in the database unchanged are skipped, so importing a file twice changes
nothing. A missing database is created: import is how an export is restored.`,
	env:         []string{"LIAISON_DB"},
	readsConfig: true,
	flags: func(fs *flag.FlagSet) action {
		format := fs.String("format", "", "json or csv (default: from FILE's extension, .json or .csv)")
		return func(ctx context.Context, g globals, args []string) error { return cmdImport(ctx, g, args[0], *format) }
	},
}

// cmdImport restores the items of a file `liaison export` wrote (SPEC §9),
// ids kept. Every row is checked first and every problem reported; then
// all items are written in one transaction, or none. Items already in the
// database unchanged are skipped, so importing a file twice changes
// nothing. A missing database is created: import is how a backup made
// with export is restored.
func cmdImport(ctx context.Context, g globals, path, format string) error {
	switch format {
	case "json", "csv":
	case "":
		switch strings.ToLower(filepath.Ext(path)) {
		case ".json":
			format = "json"
		case ".csv":
			format = "csv"
		default:
			return usageError{cmd: "liaison import", msg: fmt.Sprintf("%s does not end in .json or .csv; say which it is with --format json or --format csv", path), more: importHint}
		}
	default:
		return usageError{cmd: "liaison import", msg: fmt.Sprintf("--format %q: use json or csv", format), more: importHint}
	}
	cfg, err := loadConfig(g, true)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	var rows []importRow
	var problems []importProblem
	if format == "csv" {
		rows, problems = readCSVRows(data)
	} else {
		rows, problems = readJSONRows(data)
	}
	problems = append(problems, checkAcrossRows(rows)...)
	if len(problems) > 0 {
		return importProblems{file: path, problems: problems}
	}
	items := make([]storage.ExportItem, len(rows))
	for i, r := range rows {
		items[i] = r.rec.exportItem()
	}

	dbPath := cfg.Storage.where()
	_, statErr := os.Stat(cfg.Storage.Path)
	created := cfg.Storage.URL == "" && errors.Is(statErr, os.ErrNotExist)
	db, _, err := openStore(ctx, cfg.Storage)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Import(ctx, items)
	if ie, ok := errors.AsType[*storage.ImportError](err); ok {
		for _, c := range ie.Conflicts {
			r := rows[c.Index]
			problems = append(problems, importProblem{row: r.row, line: r.line, field: c.Field, msg: c.Problem})
		}
		return importProblems{file: path, problems: problems}
	}
	if err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	if err := db.Close(); err != nil {
		return fmt.Errorf("import %s: %w", path, err)
	}
	switch {
	case len(items) == 0:
		fmt.Fprintf(g.stdout, "%s holds no items; nothing to import into %s\n", path, dbPath)
	case res.Added == 0:
		fmt.Fprintf(g.stdout, "nothing to import: every item in %s (%d) is already in %s, unchanged\n", path, res.Unchanged, dbPath)
	case created:
		fmt.Fprintf(g.stdout, "imported %s from %s into %s (a new database)\n", plural(res.Added, "item"), path, dbPath)
	case res.Unchanged > 0:
		fmt.Fprintf(g.stdout, "imported %s from %s into %s; %d already there, unchanged\n", plural(res.Added, "item"), path, dbPath, res.Unchanged)
	default:
		fmt.Fprintf(g.stdout, "imported %s from %s into %s\n", plural(res.Added, "item"), path, dbPath)
	}
	return nil
}

// plural is "1 item" or "3 items".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// importRow is one item of the file: its position, its line (where it
// starts) and what it says.
type importRow struct {
	row, line int
	rec       exportRecord
}

// importProblem is one thing wrong with the file. row 0 is the file
// itself (its header, its syntax); field "" is the whole row.
type importProblem struct {
	row, line int
	field     string
	msg       string
}

func (p importProblem) String() string {
	switch {
	case p.row == 0 && p.line == 0:
		return p.msg
	case p.row == 0:
		return fmt.Sprintf("line %d: %s", p.line, p.msg)
	case p.field == "":
		return fmt.Sprintf("row %d (line %d): %s", p.row, p.line, p.msg)
	}
	return fmt.Sprintf("row %d (line %d), %s: %s", p.row, p.line, p.field, p.msg)
}

// importProblems is every problem found in a file; nothing was imported.
type importProblems struct {
	file     string
	problems []importProblem
}

func (e importProblems) Error() string {
	// By row, and within a row in the export's field order.
	order := func(p importProblem) int {
		if i := slices.Index(csvHeader, p.field); i >= 0 {
			return i + 1
		}
		if p.field == "" {
			return 0
		}
		return len(csvHeader) + 1
	}
	slices.SortStableFunc(e.problems, func(a, b importProblem) int {
		if a.row != b.row {
			return a.row - b.row
		}
		return order(a) - order(b)
	})
	lines := make([]string, len(e.problems))
	for i, p := range e.problems {
		lines[i] = p.String()
	}
	noun := "problems"
	if len(e.problems) == 1 {
		noun = "problem"
	}
	return fmt.Sprintf("import %s: %d %s, so nothing was imported; fix them and run it again:\n  %s",
		e.file, len(e.problems), noun, strings.Join(lines, "\n  "))
}

// recordField is one field of the export format, found by its JSON name.
type recordField struct {
	name  string
	index int
}

// recordFields are exportRecord's fields in csvHeader's order: import
// reads exactly the fields export writes.
var recordFields = func() []recordField {
	t := reflect.TypeFor[exportRecord]()
	byName := map[string]int{}
	for i := range t.NumField() {
		byName[strings.Split(t.Field(i).Tag.Get("json"), ",")[0]] = i
	}
	out := make([]recordField, len(csvHeader))
	for i, name := range csvHeader {
		idx, ok := byName[name]
		if !ok {
			panic("csv column " + name + " is not a field of exportRecord")
		}
		out[i] = recordField{name: name, index: idx}
	}
	return out
}()

// requiredFields are the fields every row must give; the others default
// to "" or empty or null.
var requiredFields = map[string]bool{"id": true, "kind": true, "status": true, "title": true, "created_at": true, "updated_at": true}

// utf8BOM starts files some spreadsheets save.
var utf8BOM = []byte("\xef\xbb\xbf")

// readJSONRows reads the JSON array `liaison export --format json` writes.
func readJSONRows(data []byte) ([]importRow, []importProblem) {
	data = bytes.TrimPrefix(data, utf8BOM)
	dec := json.NewDecoder(bytes.NewReader(data))
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return nil, []importProblem{{msg: "the file is empty; want the JSON array that liaison export --format json writes"}}
	}
	if err != nil {
		return nil, []importProblem{{line: 1, msg: fmt.Sprintf("not JSON (%v); want the array that liaison export --format json writes", err)}}
	}
	if tok != json.Delim('[') {
		return nil, []importProblem{{line: 1, msg: "want a JSON array of items, as liaison export --format json writes"}}
	}
	var rows []importRow
	var problems []importProblem
	lines := lineCounter{data: data}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			// A syntax error's offset counts from the start of the value.
			at := len(data)
			if se, ok := errors.AsType[*json.SyntaxError](err); ok {
				start := int(dec.InputOffset())
				for start < len(data) && strings.ContainsRune(" \t\r\n,", rune(data[start])) {
					start++
				}
				at = start + int(se.Offset)
			}
			return nil, append(problems, importProblem{line: lines.at(at),
				msg: fmt.Sprintf("invalid JSON after row %d: %v", len(rows), err)})
		}
		r := importRow{row: len(rows) + 1, line: lines.at(int(dec.InputOffset()) - len(raw))}
		problems = append(problems, r.decodeJSON(raw)...)
		rows = append(rows, r)
	}
	if _, err := dec.Token(); err != nil {
		return nil, append(problems, importProblem{line: lines.at(int(dec.InputOffset())), msg: fmt.Sprintf("invalid JSON: %v", err)})
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, append(problems, importProblem{line: lines.at(int(dec.InputOffset())), msg: "more after the array's closing ]; want one array"})
	}
	return rows, problems
}

// lineCounter turns byte offsets, asked in increasing order, into line numbers.
type lineCounter struct {
	data      []byte
	off, line int
}

func (c *lineCounter) at(off int) int {
	off = min(max(off, c.off), len(c.data))
	c.line += bytes.Count(c.data[c.off:off], []byte("\n"))
	c.off = off
	return c.line + 1
}

// decodeJSON reads one array element into r, field by field, so a wrong
// type names its field.
func (r *importRow) decodeJSON(raw json.RawMessage) []importProblem {
	if jsonKind(raw) != "an object" {
		return []importProblem{r.problem("", "want an object, one item as liaison export writes it, not %s", jsonKind(raw))}
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return []importProblem{r.problem("", "invalid JSON: %v", err)}
	}
	var problems []importProblem
	failed := map[string]bool{}
	v := reflect.ValueOf(&r.rec).Elem()
	for _, f := range recordFields {
		val, ok := obj[f.name]
		if !ok {
			continue
		}
		if msg := setFromJSON(v.Field(f.index), val); msg != "" {
			problems = append(problems, r.problem(f.name, "%s", msg))
			failed[f.name] = true
		}
	}
	var unknown []string
	for name := range obj {
		if !slices.Contains(csvHeader, name) {
			unknown = append(unknown, name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		problems = append(problems, r.problem(name, "unknown field: liaison export writes no such field"))
		failed[name] = true
	}
	present := func(name string) bool { _, ok := obj[name]; return ok }
	return append(problems, r.check(present, failed)...)
}

// jsonKind names the kind of JSON value raw is, for messages.
func jsonKind(raw json.RawMessage) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	switch raw[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// setFromJSON decodes raw into the field v and returns what is wrong, or "".
func setFromJSON(v reflect.Value, raw json.RawMessage) string {
	kind := jsonKind(raw)
	switch p := v.Addr().Interface().(type) {
	case *string:
		if kind != "a string" {
			return fmt.Sprintf("wrong type: %s, want a string", kind)
		}
		if err := json.Unmarshal(raw, p); err != nil {
			return fmt.Sprintf("invalid string: %v", err)
		}
	case *[]string:
		if kind != "an array" {
			return fmt.Sprintf("wrong type: %s, want an array of strings", kind)
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return fmt.Sprintf("invalid array: %v", err)
		}
		*p = make([]string, len(items))
		for i, it := range items {
			if k := jsonKind(it); k != "a string" {
				return fmt.Sprintf("wrong type: element %d is %s, want an array of strings", i+1, k)
			}
			if err := json.Unmarshal(it, &(*p)[i]); err != nil {
				return fmt.Sprintf("invalid string: %v", err)
			}
		}
	case *int64:
		if kind != "a number" {
			return fmt.Sprintf("wrong type: %s, want a whole number", kind)
		}
		return parseWhole(string(raw), p)
	case *int:
		if kind != "a number" {
			return fmt.Sprintf("wrong type: %s, want a whole number", kind)
		}
		var n int64
		if msg := parseWhole(string(raw), &n); msg != "" {
			return msg
		}
		*p = int(n)
	case **int64:
		if kind == "null" {
			return ""
		}
		if kind != "a number" {
			return fmt.Sprintf("wrong type: %s, want a whole number or null", kind)
		}
		*p = new(int64)
		return parseWhole(string(raw), *p)
	case **float64:
		if kind == "null" {
			return ""
		}
		if kind != "a number" {
			return fmt.Sprintf("wrong type: %s, want a number or null", kind)
		}
		*p = new(float64)
		return parseNumber(string(raw), *p)
	default:
		panic(fmt.Sprintf("import: no decoder for %s", v.Type()))
	}
	return ""
}

// parseWhole reads a whole number into p and returns what is wrong, or "".
func parseWhole(s string, p *int64) string {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		if f, ferr := strconv.ParseFloat(s, 64); ferr == nil && f != math.Trunc(f) {
			return fmt.Sprintf("bad number %s: want a whole number", s)
		}
		return fmt.Sprintf("bad number %q: want a whole number like 42", s)
	}
	*p = n
	return ""
}

// parseNumber reads a finite number into p and returns what is wrong, or "".
func parseNumber(s string, p *float64) string {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return fmt.Sprintf("bad number %q: want a number like 2 or 0.5 (empty or null when not set)", s)
	}
	*p = f
	return ""
}

// readCSVRows reads the CSV `liaison export --format csv` writes: a header
// row naming the columns, then one row per item, lists joined with ";".
func readCSVRows(data []byte) ([]importRow, []importProblem) {
	cr := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(data, utf8BOM)))
	cr.FieldsPerRecord = -1 // a short row is reported with the others, not fatal
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, []importProblem{{msg: "the file is empty; want the header row and rows that liaison export --format csv writes"}}
	}
	if err != nil {
		return nil, []importProblem{{line: 1, msg: fmt.Sprintf("not CSV: %v", err)}}
	}
	var problems []importProblem
	column := map[string]int{}
	for i, name := range header {
		switch {
		case !slices.Contains(csvHeader, name):
			problems = append(problems, importProblem{line: 1, msg: fmt.Sprintf("unknown column %q; the export's columns are %s", name, strings.Join(csvHeader, ","))})
		case column[name] != 0:
			problems = append(problems, importProblem{line: 1, msg: fmt.Sprintf("column %q twice", name)})
		default:
			column[name] = i + 1 // 0 is "no such column"
		}
	}
	for _, f := range recordFields {
		if requiredFields[f.name] && column[f.name] == 0 {
			problems = append(problems, importProblem{line: 1, msg: fmt.Sprintf("no %s column; the header must name it", f.name)})
		}
	}
	if len(problems) > 0 {
		return nil, problems
	}
	var rows []importRow
	for {
		cells, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return rows, problems
		}
		if pe, ok := errors.AsType[*csv.ParseError](err); ok {
			return nil, append(problems, importProblem{line: pe.Line, msg: fmt.Sprintf("invalid CSV after row %d: %v", len(rows), pe.Err)})
		}
		if err != nil {
			return nil, append(problems, importProblem{msg: fmt.Sprintf("read CSV: %v", err)})
		}
		line, _ := cr.FieldPos(0)
		r := importRow{row: len(rows) + 1, line: line}
		rows = append(rows, r)
		if len(cells) != len(header) {
			problems = append(problems, r.problem("", "has %d fields, want %d as in the header", len(cells), len(header)))
			continue
		}
		problems = append(problems, rows[len(rows)-1].decodeCSV(cells, column)...)
	}
}

// decodeCSV reads one CSV row into r.
func (r *importRow) decodeCSV(cells []string, column map[string]int) []importProblem {
	var problems []importProblem
	failed := map[string]bool{}
	v := reflect.ValueOf(&r.rec).Elem()
	cell := func(name string) string {
		if i := column[name]; i > 0 {
			return cells[i-1]
		}
		return ""
	}
	for _, f := range recordFields {
		s := cell(f.name)
		if s == "" {
			continue
		}
		if msg := setFromCSV(v.Field(f.index), s); msg != "" {
			problems = append(problems, r.problem(f.name, "%s", msg))
			failed[f.name] = true
		}
	}
	present := func(name string) bool { return cell(name) != "" }
	return append(problems, r.check(present, failed)...)
}

// setFromCSV reads the non-empty cell s into the field v and returns what
// is wrong, or "".
func setFromCSV(v reflect.Value, s string) string {
	switch p := v.Addr().Interface().(type) {
	case *string:
		*p = s
	case *[]string:
		*p = strings.Split(s, ";")
	case *int64:
		return parseWhole(s, p)
	case *int:
		var n int64
		if msg := parseWhole(s, &n); msg != "" {
			return msg
		}
		*p = int(n)
	case **int64:
		*p = new(int64)
		return parseWhole(s, *p)
	case **float64:
		*p = new(float64)
		return parseNumber(s, *p)
	default:
		panic(fmt.Sprintf("import: no decoder for %s", v.Type()))
	}
	return ""
}

func (r *importRow) problem(field, format string, args ...any) importProblem {
	return importProblem{row: r.row, line: r.line, field: field, msg: fmt.Sprintf(format, args...)}
}

// check applies the rules of one item to a decoded row; present says
// whether the row gave a field, failed which fields did not decode.
func (r *importRow) check(present func(string) bool, failed map[string]bool) []importProblem {
	var problems []importProblem
	add := func(field, format string, args ...any) {
		problems = append(problems, r.problem(field, format, args...))
	}
	for _, f := range recordFields {
		if requiredFields[f.name] && !present(f.name) && !failed[f.name] {
			add(f.name, "missing; every item needs one")
		}
	}
	rec := &r.rec
	ok := func(name string) bool { return present(name) && !failed[name] }
	if ok("id") && rec.ID < 1 {
		add("id", "bad number %d: item numbers start at 1", rec.ID)
	}
	if ok("kind") && !slices.Contains(backlog.Kinds, backlog.Kind(rec.Kind)) {
		add("kind", "unknown kind %q; use %s", rec.Kind, orList(backlog.Kinds))
	}
	if ok("status") && !slices.Contains(backlog.Statuses, backlog.Status(rec.Status)) {
		add("status", "unknown status %q; use %s", rec.Status, orList(backlog.Statuses))
	}
	if ok("capture") && !slices.Contains(capturePaths, backlog.Capture(rec.Capture)) {
		add("capture", "unknown capture path %q; use %s, or leave it empty", rec.Capture, orList(capturePaths))
	}
	if ok("title") && strings.TrimSpace(rec.Title) == "" {
		add("title", "missing; every item needs one")
	}
	v := reflect.ValueOf(rec).Elem()
	for _, f := range recordFields {
		if !ok(f.name) {
			continue
		}
		switch x := v.Field(f.index).Interface().(type) {
		case string:
			if msg := textProblem(x); msg != "" {
				add(f.name, "%s", msg)
			}
		case []string:
			if msg := listProblem(f.name, x); msg != "" {
				add(f.name, "%s", msg)
			}
		}
	}
	for _, name := range []string{"created_at", "updated_at"} {
		s := rec.CreatedAt
		if name == "updated_at" {
			s = rec.UpdatedAt
		}
		if _, err := time.Parse(time.RFC3339, s); ok(name) && err != nil {
			add(name, "bad time %q: want RFC 3339, like 2026-01-02T15:04:05Z", s)
		}
	}
	if ok("votes") && !failed["voters"] && rec.Votes != len(rec.Voters) {
		add("votes", "is %d but voters holds %s; votes is the number of voters", rec.Votes, plural(len(rec.Voters), "user"))
	}
	if ok("duplicate_of") && rec.DuplicateOf != nil {
		if d := *rec.DuplicateOf; d < 1 {
			add("duplicate_of", "bad number %d: item numbers start at 1", d)
		} else if ok("id") && d == rec.ID {
			add("duplicate_of", "#%d cannot be a duplicate of itself", d)
		}
	}
	if ok("status") && rec.Status == string(backlog.StatusDuplicate) && rec.DuplicateOf == nil && !failed["duplicate_of"] {
		add("duplicate_of", "empty, but the status is duplicate; a duplicate names the item it was merged into")
	}
	return problems
}

// capturePaths are the capture values of SPEC §11.
var capturePaths = []backlog.Capture{backlog.CaptureSlash, backlog.CaptureMention, backlog.CaptureThread,
	backlog.CaptureReaction, backlog.CaptureChannel, backlog.CaptureShortcut, backlog.CaptureModal}

// orList is "a, b or c".
func orList[S ~string](values []S) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// textProblem says what makes s unlike text Liaison stores, or "": it is
// valid UTF-8 without control characters other than tab and newline.
func textProblem(s string) string {
	if !utf8.ValidString(s) {
		return "not valid UTF-8"
	}
	for _, r := range s {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return fmt.Sprintf("holds the control character %U; only tab and newline may appear in text", r)
		}
	}
	return ""
}

// listProblem says what is wrong with a labels, voters or followers list, or "".
func listProblem(field string, list []string) string {
	seen := map[string]bool{}
	for _, s := range list {
		if msg := textProblem(s); msg != "" {
			return msg
		}
		switch {
		case s == "":
			return "an empty entry; entries are separated by one \";\" in CSV"
		case seen[s]:
			return fmt.Sprintf("%q twice", s)
		case field == "labels" && (backlog.NormalizeLabel(s) != s || !backlog.ValidLabel(s)):
			return fmt.Sprintf("label %q is not written as Liaison writes labels (lower case, words joined by -, at most %d characters): %q",
				s, backlog.MaxLabel, backlog.NormalizeLabel(s))
		}
		seen[s] = true
	}
	return ""
}

// checkAcrossRows finds what no single row shows: an id twice, one Slack
// message as two items.
func checkAcrossRows(rows []importRow) []importProblem {
	var problems []importProblem
	byID := map[int64]int{}
	bySource := map[[3]string]int{}
	for _, r := range rows {
		if id := r.rec.ID; id > 0 {
			if first, dup := byID[id]; dup {
				problems = append(problems, r.problem("id", "duplicate id %d: row %d has it too", id, first))
			} else {
				byID[id] = r.row
			}
		}
		if r.rec.SourceTS != "" {
			key := [3]string{r.rec.SourceTeam, r.rec.SourceChannel, r.rec.SourceTS}
			if first, dup := bySource[key]; dup {
				problems = append(problems, r.problem("source_ts", "the same Slack message as row %d; one message is one item", first))
			} else {
				bySource[key] = r.row
			}
		}
	}
	return problems
}

// exportItem is the record as storage imports it; the record is valid.
func (r exportRecord) exportItem() storage.ExportItem {
	created, _ := time.Parse(time.RFC3339, r.CreatedAt)
	updated, _ := time.Parse(time.RFC3339, r.UpdatedAt)
	var dup int64
	if r.DuplicateOf != nil {
		dup = *r.DuplicateOf
	}
	return storage.ExportItem{
		Item: backlog.Item{
			ID: r.ID, Kind: backlog.Kind(r.Kind), Status: backlog.Status(r.Status), Capture: backlog.Capture(r.Capture),
			Title: r.Title, Body: r.Body, Reporter: r.Reporter, Capturer: r.Capturer,
			Source: backlog.Source{Team: r.SourceTeam, Channel: r.SourceChannel, TS: r.SourceTS, ThreadTS: r.SourceThreadTS, Permalink: r.Permalink},
			Labels: r.Labels, Assignee: r.Assignee, TrackerURL: r.TrackerURL, Votes: len(r.Voters),
			RICE:        backlog.RICE{Reach: r.Reach, Impact: r.Impact, Confidence: r.Confidence, Effort: r.Effort, Score: r.Score},
			DuplicateOf: dup, CreatedAt: created.UTC(), UpdatedAt: updated.UTC(),
		},
		Voters:    r.Voters,
		Followers: r.Followers,
	}
}
