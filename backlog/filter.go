package backlog

import (
	"fmt"
	"regexp"
	"strings"
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

// userMention matches "<@U123>" or "<@U123|name>".
var userMention = regexp.MustCompile(`^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$`)

// channelLabel matches "<#C123|billing>": Slack turns "#billing" into this
// when a channel has that name.
var channelLabel = regexp.MustCompile(`^<#[CG][A-Z0-9]+\|([^>]+)>$`)

// ParseFilter reads `list` arguments: a status, a kind, #label, "mine",
// "by @user", in any order. me is the asking user. Without a status the
// list shows open items.
func ParseFilter(args []string, me string) (Filter, error) {
	f := Filter{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		lower := strings.ToLower(a)
		switch {
		case lower == "mine" || lower == "my":
			f.Mine = me
		case lower == "by":
			if i+1 >= len(args) {
				return f, fmt.Errorf("`by` needs a person: `list by @alice`")
			}
			i++
			m := userMention.FindStringSubmatch(args[i])
			if m == nil {
				return f, fmt.Errorf("%q is not a person; mention them: `list by @alice`", args[i])
			}
			f.By = m[1]
		case strings.HasPrefix(a, "#") && len(a) > 1:
			f.Label = NormalizeLabel(a)
		case channelLabel.MatchString(a):
			f.Label = NormalizeLabel(channelLabel.FindStringSubmatch(a)[1])
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
			return f, fmt.Errorf("I don't know %q here. Try a status (%s), a kind (feedback, feature, bug), #label, mine or by @person", a, statusNames())
		}
	}
	f.Open = f.Status == ""
	return f, nil
}

// statusNames lists the statuses for messages.
func statusNames() string {
	names := make([]string, len(Statuses))
	for i, s := range Statuses {
		names[i] = string(s)
	}
	return strings.Join(names, ", ")
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
