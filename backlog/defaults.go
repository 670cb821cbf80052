package backlog

import "time"

// Domain defaults, said once here for the configuration and the bot (SPEC §8a).
const (
	// DefaultMaxBody is the default longest stored body, in characters.
	DefaultMaxBody = 10000
	// DefaultCatchUp is how long after a missed digest it is still posted at start-up.
	DefaultCatchUp = 6 * time.Hour
	// DefaultTriageDays is how many days an item may stay new before a digest lists it as waiting.
	DefaultTriageDays = 7
	// DefaultTimezone is the zone of digest schedules and the dates they show.
	DefaultTimezone = "UTC"
)
