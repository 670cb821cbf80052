package backlog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Impacts are the allowed RICE impact values.
var Impacts = []float64{0.25, 0.5, 1, 2, 3}

// ScoreInput is a partial RICE update: nil fields stay as they are.
type ScoreInput struct {
	Reach, Impact, Confidence, Effort *float64
}

// ScoreError is score input that cannot be read. Form says the mistake
// is in how it is written (nothing given, not name=value, not a number, an
// unknown name) rather than a value out of range.
type ScoreError struct {
	Problem string
	Form    bool
}

func (e *ScoreError) Error() string { return e.Problem }

// scoreErr is a ScoreError of a value out of range.
func scoreErr(format string, args ...any) error {
	return &ScoreError{Problem: fmt.Sprintf(format, args...)}
}

// formErr is a ScoreError in how the input is written.
func formErr(format string, args ...any) error {
	return &ScoreError{Problem: fmt.Sprintf(format, args...), Form: true}
}

// ParseScore reads "reach=500 impact=2 confidence=80% effort=3"; any subset
// of the four may be given.
func ParseScore(args []string) (ScoreInput, error) {
	var in ScoreInput
	if len(args) == 0 {
		return in, formErr("give at least one of reach, impact, confidence, effort")
	}
	for _, a := range args {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return in, formErr("%q is not name=value", a)
		}
		f, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(v), "%"), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return in, formErr("%s=%q is not a number", k, v)
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "reach", "r":
			if f < 0 || f > 1e9 {
				return in, scoreErr("reach must be between 0 and 1,000,000,000 people per quarter")
			}
			in.Reach = &f
		case "impact", "i":
			if !validImpact(f) {
				return in, scoreErr("impact must be one of 0.25, 0.5, 1, 2, 3 (got %v)", f)
			}
			in.Impact = &f
		case "confidence", "c":
			if f < 0 || f > 100 {
				return in, scoreErr("confidence must be between 0 and 100 %% (got %v)", f)
			}
			in.Confidence = &f
		case "effort", "e":
			if !(f > 0) {
				return in, scoreErr("effort must be more than 0 person-weeks (got %v)", f)
			}
			if f < 0.01 || f > 10000 {
				return in, scoreErr("effort must be between 0.01 and 10,000 person-weeks (got %v)", f)
			}
			in.Effort = &f
		default:
			return in, formErr("unknown score input %q", k)
		}
	}
	return in, nil
}

func validImpact(f float64) bool {
	for _, i := range Impacts {
		if f == i {
			return true
		}
	}
	return false
}

// Apply merges an update into r and recomputes the score, which is set only
// when all four inputs are.
func (r RICE) Apply(in ScoreInput) RICE {
	if in.Reach != nil {
		r.Reach = in.Reach
	}
	if in.Impact != nil {
		r.Impact = in.Impact
	}
	if in.Confidence != nil {
		r.Confidence = in.Confidence
	}
	if in.Effort != nil {
		r.Effort = in.Effort
	}
	r.Score = nil
	if r.Reach != nil && r.Impact != nil && r.Confidence != nil && r.Effort != nil && *r.Effort > 0 {
		s := Score(*r.Reach, *r.Impact, *r.Confidence, *r.Effort)
		r.Score = &s
	}
	return r
}

// Score is reach × impact × confidence ÷ effort, confidence in percent.
func Score(reach, impact, confidence, effort float64) float64 {
	return math.Round(reach*impact*(confidence/100)/effort*100) / 100
}
