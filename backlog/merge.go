package backlog

import "fmt"

// MergeProblem says why a merge is refused.
type MergeProblem int

// The reasons a merge is refused.
const (
	MergeSelf         MergeProblem = iota + 1 // an item merged into itself
	MergeSourceMerged                         // the item to merge is already a duplicate
	MergeTargetMerged                         // the item to merge into is itself a duplicate
)

// MergeError is a refused merge: From into Into, and the item the merged
// one already points to (Target; 0 for MergeSelf).
type MergeError struct {
	Problem    MergeProblem
	From, Into int64
	Target     int64
}

func (e *MergeError) Error() string {
	switch e.Problem {
	case MergeSelf:
		return "merge into itself"
	case MergeSourceMerged:
		return fmt.Sprintf("already merged into #%d", e.Target)
	case MergeTargetMerged:
		return fmt.Sprintf("target is a duplicate of #%d", e.Target)
	}
	return "merge refused"
}

// CheckMerge says whether item from may be merged into item into: not into
// itself, not when from is already a duplicate, and never into a duplicate,
// so that merges never chain. The self check needs only the ids.
func CheckMerge(from, into Item) error {
	switch {
	case from.ID == into.ID:
		return &MergeError{Problem: MergeSelf, From: from.ID, Into: into.ID}
	case from.Status == StatusDuplicate:
		return &MergeError{Problem: MergeSourceMerged, From: from.ID, Into: into.ID, Target: from.DuplicateOf}
	case into.Status == StatusDuplicate:
		return &MergeError{Problem: MergeTargetMerged, From: from.ID, Into: into.ID, Target: into.DuplicateOf}
	}
	return nil
}
