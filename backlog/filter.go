package backlog

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Filter selects items for a list. Zero fields do not filter.
type Filter struct {
	Status Status
	Kind   Kind
	Label  string
	Mine   string // items this user reported or follows
	By     string // items this user reported
	Open   bool   // only open items (the default list)
}

// FilterProblem says what in list arguments could not be read.
type FilterProblem int

// The reasons ParseFilter refuses arguments.
const (
	FilterNeedsPerson FilterProblem = iota + 1 // "by" with nothing after it
	FilterNotAPerson                           // "by" followed by something that names nobody
	FilterUnknown                              // no status, kind, #label or keyword
)

// FilterError is list arguments that could not be read, with the word at fault.
type FilterError struct {
	Problem FilterProblem
	Word    string
}

func (e *FilterError) Error() string {
	switch e.Problem {
	case FilterNeedsPerson:
		return "by needs a person"
	case FilterNotAPerson:
		return fmt.Sprintf("by %q: not a person", e.Word)
	}
	return fmt.Sprintf("unknown filter %q", e.Word)
}

// ParseFilter reads list arguments: a status, a kind, #label, "mine",
// "by <person>", in any order. me is the asking user; person reads the
// word after "by" into a user id (the caller knows how people are named).
// Without a status the list shows open items.
func ParseFilter(args []string, me string, person func(word string) (string, bool)) (Filter, error) {
	f := Filter{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		lower := strings.ToLower(a)
		switch {
		case lower == "mine" || lower == "my":
			f.Mine = me
		case lower == "by":
			if i+1 >= len(args) {
				return f, &FilterError{Problem: FilterNeedsPerson, Word: a}
			}
			i++
			id, ok := person(args[i])
			if !ok {
				return f, &FilterError{Problem: FilterNotAPerson, Word: args[i]}
			}
			f.By = id
		case strings.HasPrefix(a, "#") && len(a) > 1:
			f.Label = NormalizeLabel(a)
		case lower == "in" && i+1 < len(args) && strings.EqualFold(args[i+1], "progress"):
			f.Status = StatusInProgress
			i++
		default:
			if s, err := ParseStatus(a); err == nil {
				f.Status = s
				continue
			}
			if k, err := ParseKind(strings.TrimSuffix(lower, "s")); err == nil {
				f.Kind = k
				continue
			}
			return f, &FilterError{Problem: FilterUnknown, Word: a}
		}
	}
	f.Open = f.Status == ""
	return f, nil
}

// MaxLabel is the longest label, in characters.
const MaxLabel = 40

// ValidLabel reports whether a normalised label can be used: not empty
// and at most MaxLabel characters.
func ValidLabel(l string) bool {
	return l != "" && utf8.RuneCountInString(l) <= MaxLabel
}

// NormalizeLabel makes "#Billing Ops" into "billing-ops".
func NormalizeLabel(s string) string {
	s = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "#")))
	return strings.Join(strings.Fields(s), "-")
}

// ParseID reads an item number written "42" or "#42".
func ParseID(s string) (int64, error) {
	s = strings.TrimSpace(s)
	t := strings.TrimPrefix(s, "#")
	var id int64
	if t == "" || len(t) > 15 {
		return 0, fmt.Errorf("%q is not an item number; write it like 42 or #42", s)
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return 0, fmt.Errorf("%q is not an item number; write it like 42 or #42", s)
		}
		id = id*10 + int64(r-'0')
	}
	if id == 0 {
		return 0, fmt.Errorf("%q is not an item number; numbers start at 1", s)
	}
	return id, nil
}
