package backlog

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Schedule is a parsed schedule in a time zone. Its times are wall-clock
// times: a daylight-saving change neither skips nor doubles a run (a time
// that does not exist that day runs at the first moment after it; a time
// that exists twice runs once, the first time).
type Schedule struct {
	Spec     string // the 5-field cron spec
	Location *time.Location
	fields   *cron.SpecSchedule
}

// Digest schedule phrases, mapped to cron specs.
var (
	phraseDaily    = regexp.MustCompile(`^daily (\d{1,2}):(\d{2})$`)
	phraseWeekdays = regexp.MustCompile(`^weekdays (\d{1,2}):(\d{2})$`)
	phraseWeekly   = regexp.MustCompile(`^weekly (mon|tue|wed|thu|fri|sat|sun)[a-z]* (\d{1,2}):(\d{2})$`)
	phraseMonthly  = regexp.MustCompile(`^monthly (\d{1,2}) (\d{1,2}):(\d{2})$`)
)

// scheduleExample is shown with every schedule error.
const scheduleExample = `e.g. "weekly mon 09:00", "daily 17:30", "weekdays 09:00", "monthly 1 09:00" or a 5-field cron spec like "0 9 * * MON"`

// ParseSchedule reads a phrase (daily HH:MM, weekdays HH:MM, weekly DAY HH:MM,
// monthly DAY-OF-MONTH HH:MM) or a 5-field cron spec, in zone tz (an IANA
// name; "" is UTC).
func ParseSchedule(s, tz string) (Schedule, error) {
	loc := time.UTC
	if tz != "" {
		l, err := time.LoadLocation(tz)
		if err != nil {
			return Schedule{}, fmt.Errorf("unknown time zone %q: use an IANA name such as Europe/Berlin", tz)
		}
		loc = l
	}
	spec, err := toSpec(strings.ToLower(strings.Join(strings.Fields(s), " ")))
	if err != nil {
		return Schedule{}, err
	}
	parsed, err := cron.ParseStandard(spec)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %v; %s", s, err, scheduleExample)
	}
	fields, ok := parsed.(*cron.SpecSchedule)
	if !ok {
		return Schedule{}, fmt.Errorf("schedule %q: not a cron spec; %s", s, scheduleExample)
	}
	return Schedule{Spec: spec, Location: loc, fields: fields}, nil
}

// toSpec turns a phrase into a cron spec; anything else passes through.
func toSpec(s string) (string, error) {
	hm := func(h, m string) (int, int, error) {
		hh, _ := strconv.Atoi(h)
		mm, _ := strconv.Atoi(m)
		if hh > 23 || mm > 59 {
			return 0, 0, fmt.Errorf("%s:%s is not a time of day; %s", h, m, scheduleExample)
		}
		return hh, mm, nil
	}
	if m := phraseDaily.FindStringSubmatch(s); m != nil {
		h, mi, err := hm(m[1], m[2])
		return fmt.Sprintf("%d %d * * *", mi, h), err
	}
	if m := phraseWeekdays.FindStringSubmatch(s); m != nil {
		h, mi, err := hm(m[1], m[2])
		return fmt.Sprintf("%d %d * * MON-FRI", mi, h), err
	}
	if m := phraseWeekly.FindStringSubmatch(s); m != nil {
		h, mi, err := hm(m[2], m[3])
		return fmt.Sprintf("%d %d * * %s", mi, h, strings.ToUpper(m[1])), err
	}
	if m := phraseMonthly.FindStringSubmatch(s); m != nil {
		day, _ := strconv.Atoi(m[1])
		if day < 1 || day > 28 {
			return "", fmt.Errorf("monthly day %d: use 1–28 so every month has it; %s", day, scheduleExample)
		}
		h, mi, err := hm(m[2], m[3])
		return fmt.Sprintf("%d %d %d * *", mi, h, day), err
	}
	if len(strings.Fields(s)) != 5 {
		return "", fmt.Errorf("schedule %q is neither a phrase nor a 5-field cron spec; %s", s, scheduleExample)
	}
	return s, nil
}

// starBit marks a cron field written as "*" (see robfig/cron's spec.go).
const starBit = 1 << 63

// Next returns the first run strictly after t, or the zero time if there
// is none within five years.
func (s Schedule) Next(t time.Time) time.Time {
	local := t.In(s.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC) // a calendar date
	for i := 0; i < 366*5; i, day = i+1, day.AddDate(0, 0, 1) {
		if at, ok := s.onDay(day, func(at time.Time) bool { return at.After(t) }, false); ok {
			return at
		}
	}
	return time.Time{}
}

// Prev returns the latest run at or before t within the last year and a
// day, or the zero time if there is none.
func (s Schedule) Prev(t time.Time) time.Time {
	local := t.In(s.Location)
	day := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, time.UTC)
	for i := 0; i < 367; i, day = i+1, day.AddDate(0, 0, -1) {
		if at, ok := s.onDay(day, func(at time.Time) bool { return !at.After(t) }, true); ok {
			return at
		}
	}
	return time.Time{}
}

// onDay returns the first (or, backwards, the last) run on the calendar
// date day that satisfies keep.
func (s Schedule) onDay(day time.Time, keep func(time.Time) bool, backwards bool) (time.Time, bool) {
	f := s.fields
	if 1<<uint(day.Month())&f.Month == 0 || !dayMatches(f, day) {
		return time.Time{}, false
	}
	for i := 0; i < 24*60; i++ {
		hm := i
		if backwards {
			hm = 24*60 - 1 - i
		}
		h, m := hm/60, hm%60
		if 1<<uint(h)&f.Hour == 0 || 1<<uint(m)&f.Minute == 0 {
			continue
		}
		at := wallTime(day, h, m, s.Location)
		if sameWallDay(at, day) && keep(at) {
			return at, true
		}
	}
	return time.Time{}, false
}

// wallTime is h:m on the calendar date day in loc. A time that does not
// exist that day (clocks spring forward) becomes the moment after the gap;
// a time that exists twice (clocks fall back) is the first of the two.
func wallTime(day time.Time, h, m int, loc *time.Location) time.Time {
	at := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, loc)
	_, offAt := at.Zone()
	if at.Hour() != h || at.Minute() != m {
		// In a gap: read h:m with the offset from before the jump, which
		// lands as far after the gap as h:m was into it.
		_, offEarlier := at.Add(-3 * time.Hour).Zone()
		utc := time.Date(day.Year(), day.Month(), day.Day(), h, m, 0, 0, time.UTC)
		return utc.Add(-time.Duration(offEarlier) * time.Second).In(loc)
	}
	if _, offEarlier := at.Add(-3 * time.Hour).Zone(); offEarlier > offAt {
		// Clocks went back before at: the same wall time may have come earlier.
		if first := at.Add(-time.Duration(offEarlier-offAt) * time.Second); first.Hour() == h && first.Minute() == m {
			return first
		}
	}
	return at
}

// sameWallDay reports whether at falls on the calendar date day, in its zone.
func sameWallDay(at, day time.Time) bool {
	y, m, d := at.Date()
	return y == day.Year() && m == day.Month() && d == day.Day()
}

// dayMatches applies cron's day-of-month / day-of-week rule: both must
// match when either is "*", else either may.
func dayMatches(f *cron.SpecSchedule, day time.Time) bool {
	dom := 1<<uint(day.Day())&f.Dom > 0
	dow := 1<<uint(day.Weekday())&f.Dow > 0
	if f.Dom&starBit > 0 || f.Dow&starBit > 0 {
		return dom && dow
	}
	return dom || dow
}
