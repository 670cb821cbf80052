package storage

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
)

func TestMergesNeverChain(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for i := 1; i <= 3; i++ {
		if _, err := db.Capture(ctx, sampleItem(fmt.Sprintf("1.00000%d", i), fmt.Sprintf("U%d", i), fmt.Sprintf("U%d", i), fmt.Sprintf("Request %d", i))); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Merge(ctx, 1, 2, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, 2, 3, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{1, 2} {
		it, err := db.Item(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if it.DuplicateOf != 3 {
			t.Errorf("#%d is a duplicate of #%d, want #3, the live item", id, it.DuplicateOf)
		}
	}
	target, _, err := db.Vote(ctx, 1, "U9")
	if err != nil {
		t.Fatal(err)
	}
	if target != 3 {
		t.Errorf("a vote on #1 went to #%d, want #3", target)
	}
	res, err := db.Capture(ctx, sampleItem("1.000001", "U1", "U8", "Request 1"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Item.ID != 3 || res.MergedFrom != 1 {
		t.Errorf("a capture of #1's message landed on #%d (from #%d), want #3 from #1", res.Item.ID, res.MergedFrom)
	}
	voters := votersOf(t, db, 3)
	if len(voters) != 5 { // U3, U2, U1, U9, U8
		t.Errorf("#3 voters = %v, want every vote of the chain and the new ones", voters)
	}
}

func TestMergeIntoItselfIsRefusedBeforeAnyRead(t *testing.T) {
	db := openTest(t) // empty: #5 does not exist
	var me *backlog.MergeError
	err := db.Merge(context.Background(), 5, 5, "U0ADMIN", nil)
	if !errors.As(err, &me) || me.Problem != backlog.MergeSelf || me.From != 5 {
		t.Errorf("Merge(5, 5) = %v, want a MergeError for a merge into itself", err)
	}
	if errors.Is(err, ErrNotFound) {
		t.Errorf("Merge(5, 5) = %v: it looked #5 up", err)
	}
}
