package backlog

import (
	"errors"
	"testing"
)

func TestCheckMerge(t *testing.T) {
	open := func(id int64) Item { return Item{ID: id, Status: StatusTriaged} }
	dup := func(id, of int64) Item { return Item{ID: id, Status: StatusDuplicate, DuplicateOf: of} }
	tests := []struct {
		name       string
		from, into Item
		want       *MergeError // nil: allowed
		text       string
	}{
		{"open into open", open(5), open(3), nil, ""},
		{"into a shipped item", open(5), Item{ID: 3, Status: StatusShipped}, nil, ""},
		{"a declined item", Item{ID: 5, Status: StatusDeclined}, open(3), nil, ""},
		{"into itself", open(5), open(5), &MergeError{Problem: MergeSelf, From: 5, Into: 5}, "merge into itself"},
		{"into itself, ids only", Item{ID: 5}, Item{ID: 5}, &MergeError{Problem: MergeSelf, From: 5, Into: 5}, "merge into itself"},
		{"a duplicate into itself", dup(5, 3), dup(5, 3), &MergeError{Problem: MergeSelf, From: 5, Into: 5}, "merge into itself"},
		{"source already merged", dup(5, 3), open(3), &MergeError{Problem: MergeSourceMerged, From: 5, Into: 3, Target: 3}, "already merged into #3"},
		{"source merged elsewhere", dup(5, 9), open(3), &MergeError{Problem: MergeSourceMerged, From: 5, Into: 3, Target: 9}, "already merged into #9"},
		{"source merged, target too", dup(5, 9), dup(7, 3), &MergeError{Problem: MergeSourceMerged, From: 5, Into: 7, Target: 9}, "already merged into #9"},
		{"target is a duplicate", open(5), dup(7, 3), &MergeError{Problem: MergeTargetMerged, From: 5, Into: 7, Target: 3}, "target is a duplicate of #3"},
	}
	for _, tt := range tests {
		err := CheckMerge(tt.from, tt.into)
		if tt.want == nil {
			if err != nil {
				t.Errorf("%s: CheckMerge = %v, want nil", tt.name, err)
			}
			continue
		}
		var got *MergeError
		if !errors.As(err, &got) {
			t.Errorf("%s: CheckMerge = %v, want a *MergeError", tt.name, err)
			continue
		}
		if *got != *tt.want {
			t.Errorf("%s: CheckMerge = %+v, want %+v", tt.name, *got, *tt.want)
		}
		if got.Error() != tt.text {
			t.Errorf("%s: Error() = %q, want %q", tt.name, got.Error(), tt.text)
		}
	}
}
