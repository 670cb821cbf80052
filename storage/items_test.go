package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/liaisonbot/liaison/backlog"
)

func TestCaptureStoresItemVotesFollowersAndHistory(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	fixed := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return fixed }

	n := sampleItem("1.000001", "U0REP", "U0CAP", "Dark mode")
	n.Labels = []string{"reports", "ui"}
	n.EventID = "Ev1"
	res, err := db.Capture(ctx, n)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Created || !res.NewVoter {
		t.Errorf("result = %+v, want created with the capturer's vote", res)
	}
	it := res.Item
	if it.ID == 0 || it.Kind != backlog.KindFeature || it.Status != backlog.StatusNew || it.Title != "Dark mode" ||
		it.Reporter != "U0REP" || it.Capturer != "U0CAP" || it.Capture != backlog.CaptureReaction ||
		it.Source.Channel != "C1" || it.Source.TS != "1.000001" || it.Votes != 2 || !it.CreatedAt.Equal(fixed) {
		t.Errorf("item = %+v", it)
	}
	if !reflect.DeepEqual(it.Labels, []string{"reports", "ui"}) {
		t.Errorf("labels = %v", it.Labels)
	}
	voters := votersOf(t, db, it.ID)
	followers, _ := db.Followers(ctx, it.ID)
	if !reflect.DeepEqual(voters, []string{"U0REP", "U0CAP"}) || !reflect.DeepEqual(followers, []string{"U0REP", "U0CAP"}) {
		t.Errorf("voters %v, followers %v; want reporter then capturer", voters, followers)
	}
	hist, err := db.History(ctx, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) == 0 || hist[0].Type != "voted" && hist[0].Type != "created" {
		t.Errorf("history = %+v", hist)
	}
	var created bool
	for _, e := range hist {
		if e.Type == "created" && e.Actor == "U0CAP" && e.To == "new" && e.Note == "reaction" {
			created = true
		}
	}
	if !created {
		t.Errorf("no created change in %+v", hist)
	}
	if seen, _ := db.EventSeen(ctx, "Ev1"); !seen {
		t.Error("the event id was not recorded with the capture")
	}
}

func TestCaptureSameSourceTwiceIsOneItem(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	first, err := db.Capture(ctx, sampleItem("1.000001", "U0REP", "U0A", "Dark mode"))
	if err != nil {
		t.Fatal(err)
	}
	// The same person again: nothing new.
	again, err := db.Capture(ctx, sampleItem("1.000001", "U0REP", "U0A", "Dark mode"))
	if err != nil {
		t.Fatal(err)
	}
	if again.Created || again.NewVoter || again.Item.ID != first.Item.ID {
		t.Errorf("same capturer again = %+v", again)
	}
	// Someone else: a +1.
	other, err := db.Capture(ctx, sampleItem("1.000001", "U0REP", "U0B", "Dark mode"))
	if err != nil {
		t.Fatal(err)
	}
	if other.Created || !other.NewVoter || other.Item.ID != first.Item.ID || other.Item.Votes != 3 {
		t.Errorf("another capturer = %+v, want a new vote on the same item (3 votes)", other)
	}
	// Another channel with the same ts is another message.
	n := sampleItem("1.000001", "U0REP", "U0A", "Dark mode")
	n.Source.Channel = "C2"
	if res, err := db.Capture(ctx, n); err != nil || !res.Created {
		t.Errorf("same ts in another channel = %+v, %v; want a new item", res, err)
	}
	var count int
	db.read.QueryRowContext(ctx, `SELECT count(*) FROM items`).Scan(&count)
	if count != 2 {
		t.Errorf("%d items, want 2", count)
	}
}

func TestUniqueSourceConstraint(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	insert := `INSERT INTO items (kind, title, source_team, source_channel, source_ts, created_at, updated_at)
		VALUES ('bug', 't', 'T1', 'C1', ?, '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z')`
	if _, err := db.write.ExecContext(ctx, insert, "9.1"); err != nil {
		t.Fatal(err)
	}
	_, err := db.write.ExecContext(ctx, insert, "9.1")
	if !isUnique(err) {
		t.Errorf("second insert of one source: %v, want a UNIQUE constraint error", err)
	}
	// Items without a source message (modal captures) do not collide.
	for range 2 {
		if _, err := db.write.ExecContext(ctx, insert, ""); err != nil {
			t.Errorf("two items without a source ts: %v", err)
		}
	}
}

func TestFTSFindsItemByBodyWord(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	res, err := db.Capture(ctx, sampleItem("1.1", "U1", "U1", "Dark mode"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Similar(ctx, "working at night", 0, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != res.Item.ID {
		t.Errorf("Similar(body word) = %+v, want item #%d", got, res.Item.ID)
	}
}

func TestSimilarRanksTitleMatchesAndSkipsClosedAndSelf(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, _ := db.Capture(ctx, sampleItem("1.1", "U1", "U1", "Dark mode for dashboard"))
	b, _ := db.Capture(ctx, sampleItem("1.2", "U1", "U1", "Export dashboard to CSV"))
	c, _ := db.Capture(ctx, sampleItem("1.3", "U1", "U1", "Dark theme everywhere"))
	if err := db.Merge(ctx, c.Item.ID, a.Item.ID, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	got, err := db.Similar(ctx, "dark mode dashboard", b.Item.ID, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != a.Item.ID {
		t.Errorf("Similar = %+v; want only #%d (b excluded, c is a duplicate)", got, a.Item.ID)
	}
	// FTS5 syntax in user text is just words.
	if _, err := db.Similar(ctx, `"dark" OR NEAR(x* AND -) ^title:`, 0, 3); err != nil {
		t.Errorf("Similar with FTS syntax in the text: %v", err)
	}
	if got, _ := db.Similar(ctx, "a an to", 0, 3); got != nil {
		t.Errorf("Similar of stopwords only = %v, want nil", got)
	}
}

func TestMergeMovesVotesAndFollowersWithoutDuplicates(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	into, _ := db.Capture(ctx, sampleItem("1.1", "U0A", "U0A", "Dark mode"))
	from, _ := db.Capture(ctx, sampleItem("1.2", "U0B", "U0A", "Night theme"))
	if _, err := db.Follow(ctx, from.Item.ID, "U0C"); err != nil {
		t.Fatal(err)
	}
	if err := db.Merge(ctx, from.Item.ID, into.Item.ID, "U0ADMIN", nil); err != nil {
		t.Fatal(err)
	}
	voters := votersOf(t, db, into.Item.ID)
	followers, _ := db.Followers(ctx, into.Item.ID)
	if !reflect.DeepEqual(voters, []string{"U0A", "U0B"}) {
		t.Errorf("voters after merge = %v, want [U0A U0B]", voters)
	}
	if !reflect.DeepEqual(followers, []string{"U0A", "U0B", "U0C"}) {
		t.Errorf("followers after merge = %v", followers)
	}
	got, _ := db.Item(ctx, into.Item.ID)
	if got.Votes != 2 {
		t.Errorf("vote count after merge = %d, want 2", got.Votes)
	}
	dup, _ := db.Item(ctx, from.Item.ID)
	if dup.Status != backlog.StatusDuplicate || dup.DuplicateOf != into.Item.ID || dup.Votes != 0 {
		t.Errorf("merged item = %+v", dup)
	}
	var me *backlog.MergeError
	if err := db.Merge(ctx, from.Item.ID, into.Item.ID, "U0ADMIN", nil); !errors.As(err, &me) || me.Problem != backlog.MergeSourceMerged || me.Target != into.Item.ID {
		t.Errorf("merging a duplicate again = %v, want a MergeError (source merged into #%d)", err, into.Item.ID)
	}
	if err := db.Merge(ctx, into.Item.ID, from.Item.ID, "U0ADMIN", nil); !errors.As(err, &me) || me.Problem != backlog.MergeTargetMerged || me.Target != into.Item.ID {
		t.Errorf("merging into a duplicate = %v, want a MergeError (target a duplicate of #%d)", err, into.Item.ID)
	}
	if err := db.Merge(ctx, into.Item.ID, 999, "U0ADMIN", nil); !errors.Is(err, ErrNotFound) {
		t.Errorf("merging into a missing item = %v, want ErrNotFound", err)
	}
	hist, _ := db.History(ctx, from.Item.ID)
	if last := hist[len(hist)-1]; last.Type != "merged" || last.To != "duplicate" {
		t.Errorf("last change of the merged item = %+v", last)
	}
}

func TestVoteAndFollowAreIdempotent(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	res, _ := db.Capture(ctx, sampleItem("1.1", "U0A", "U0A", "Dark mode"))
	id := res.Item.ID
	if _, added, err := db.Vote(ctx, id, "U0B"); err != nil || !added {
		t.Errorf("first vote = %v, %v", added, err)
	}
	if _, added, err := db.Vote(ctx, id, "U0B"); err != nil || added {
		t.Errorf("second vote = %v, %v; want not added", added, err)
	}
	if added, err := db.Follow(ctx, id, "U0C"); err != nil || !added {
		t.Errorf("follow = %v, %v", added, err)
	}
	if added, err := db.Follow(ctx, id, "U0B"); err != nil || added {
		t.Errorf("follow by a voter = %v, %v; voters already follow", added, err)
	}
	if _, _, err := db.Vote(ctx, 999, "U0B"); !errors.Is(err, ErrNotFound) {
		t.Errorf("vote on a missing item = %v, want ErrNotFound", err)
	}
	it, _ := db.Item(ctx, id)
	if it.Votes != 2 {
		t.Errorf("votes = %d, want 2", it.Votes)
	}
}

func TestEachItemStreamsEverythingInOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a, _ := db.Capture(ctx, sampleItem("1.1", "U0A", "U0B", "Dark mode"))
	n := sampleItem("1.2", "U0C", "U0C", "Export")
	n.Labels = []string{"finance"}
	b, _ := db.Capture(ctx, n)
	db.Follow(ctx, b.Item.ID, "U0Z")
	var got []ExportItem
	if err := db.EachItem(ctx, func(e ExportItem) error { got = append(got, e); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Item.ID != a.Item.ID || got[1].Item.ID != b.Item.ID {
		t.Fatalf("export = %+v", got)
	}
	if !reflect.DeepEqual(got[0].Voters, []string{"U0A", "U0B"}) || len(got[0].Item.Labels) != 0 {
		t.Errorf("first = %+v", got[0])
	}
	if !reflect.DeepEqual(got[1].Followers, []string{"U0C", "U0Z"}) || !reflect.DeepEqual(got[1].Item.Labels, []string{"finance"}) {
		t.Errorf("second = %+v", got[1])
	}
}
