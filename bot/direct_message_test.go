package bot

import (
	"reflect"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot/slackfake"
)

// postsIn are the successful chat.postMessage calls that landed in channel.
func postsIn(h *harness, channel string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range h.slack.Calls("chat.postMessage") {
		if c.Status == 200 && c.Error == "" && c.Param("channel") == channel {
			out = append(out, c)
		}
	}
	return out
}

func TestDirectMessageWithAKindPrefixIsCaptured(t *testing.T) {
	h := startBot(t)
	dm := slackfake.DMChannel("U0BOB")
	m, env := h.slack.SendMessage(slackfake.Message{Channel: dm, User: "U0BOB", Text: "feature: Dark mode for reports"})
	h.settle(env)
	it := h.item(1)
	// A DM is a mention without the @ (SPEC §4): its capture path is mention.
	wantItem(t, it, backlog.KindFeature, "Dark mode for reports", "U0BOB", "U0BOB", backlog.CaptureMention)
	if it.Source.Channel != dm || it.Source.TS != m.TS || it.Source.ThreadTS != "" {
		t.Errorf("source = %+v, want the DM message %s in %s", it.Source, m.TS, dm)
	}
	posts := postsIn(h, dm)
	if len(posts) != 1 {
		t.Fatalf("%d posts in the DM, want the one confirmation", len(posts))
	}
	if c := posts[0]; !strings.Contains(c.Param("text"), "Captured as *#1*") || c.Param("thread_ts") != "" {
		t.Errorf("confirmation = text %q thread_ts %q; want it in the conversation, not a thread", c.Param("text"), c.Param("thread_ts"))
	}
	if v, f := h.people(1); !reflect.DeepEqual(v, []string{"U0BOB"}) || !reflect.DeepEqual(f, []string{"U0BOB"}) {
		t.Errorf("voters %v followers %v, want the reporter", v, f)
	}
	// The same DM redelivered, or mentioning the bot, is still one item.
	h.settle(h.slack.SendEvent(slackfake.MessageEvent(m)))
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items after a redelivery, want 1", n)
	}
}

func TestDirectMessageIsAnsweredLikeAMention(t *testing.T) {
	h := backlogFixture(t)
	dm := slackfake.DMChannel("U0CAROL")
	// ask sends a DM and returns it with the one answer it got.
	ask := func(text string) (slackfake.Message, slackfake.Call) {
		t.Helper()
		before := len(postsIn(h, dm))
		m, env := h.slack.SendMessage(slackfake.Message{Channel: dm, User: "U0CAROL", Text: text})
		h.settle(env)
		posts := postsIn(h, dm)
		if len(posts) != before+1 {
			t.Fatalf("DM %q: %d answers, want 1", text, len(posts)-before)
		}
		return m, posts[len(posts)-1]
	}
	for _, q := range []struct{ text, want string }{
		{"top", "*Top 10 open items*"},
		{"#2", "#2 Login fails on Safari — new"},
		{"search csv", "*#3* CSV export of dashboards"},
		{bot + "my requests", "*#2* Login fails on Safari"}, // a mention in a DM is the same
		{"help", "*Liaison* keeps feedback"},
	} {
		_, c := ask(q.text)
		if got := c.Param("text") + c.Param("blocks"); !strings.Contains(got, q.want) {
			t.Errorf("DM %q → %q; want %q", q.text, c.Param("text"), q.want)
		}
	}
	if n := len(h.items()); n != 3 {
		t.Errorf("questions captured items: %d", n)
	}

	// Anything else gets the short help, never silence, and its button captures it.
	said, c := ask("the dashboard feels slow lately")
	if !strings.Contains(c.Param("text"), "I didn't catch that") {
		t.Fatalf("DM chit-chat → %q, want the short help", c.Param("text"))
	}
	if n := len(h.items()); n != 3 {
		t.Fatalf("chit-chat was captured silently (%d items)", n)
	}
	h.settle(h.slack.SendInteractive(slackfake.BlockAction("U0CAROL", slackfake.Message{Channel: dm, TS: said.TS, User: slackfake.BotUserID},
		actionCaptureMention, buttonValue(t, c.Param("blocks"), actionCaptureMention))))
	wantItem(t, h.item(4), backlog.KindFeedback, "the dashboard feels slow lately", "U0CAROL", "U0CAROL", backlog.CaptureMention)
}

func TestDirectMessagesFromBotsAreIgnored(t *testing.T) {
	h := startBot(t)
	dm := slackfake.DMChannel("U0BOB")
	_, env := h.slack.SendMessage(slackfake.Message{Channel: dm, User: "U0BOB", Text: "bug: Login fails on Safari"})
	h.settle(env)
	// Slack sends Liaison's own confirmation back as a message.im event.
	msgs := h.slack.Messages(dm)
	own := msgs[len(msgs)-1]
	if own.BotID != slackfake.BotID {
		t.Fatalf("last DM message = %+v, want Liaison's confirmation", own)
	}
	ignored := []slackfake.Message{
		own,
		{Channel: dm, User: slackfake.BotUserID, BotID: slackfake.BotID, Text: "feature: Liaison talking to itself"},
		{Channel: dm, User: "U0DEPLOY", BotID: "B0DEPLOY", Text: "feature: another app"},
		{Channel: dm, User: "U0BOB", Subtype: "message_changed", Text: "feature: an edit"},
		{Channel: dm, User: "U0BOB", Subtype: "message_deleted", Text: ""},
	}
	var envs []slackfake.Envelope
	for _, m := range ignored {
		envs = append(envs, h.slack.SendEvent(slackfake.MessageEvent(m)))
	}
	h.settle(envs...)
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items, want only the person's capture", n)
	}
	if n := len(h.slack.Calls("chat.postMessage")) + len(h.slack.Calls("chat.postEphemeral")); n != 1 {
		t.Errorf("%d messages sent, want only the one confirmation", n)
	}
}

func TestRequestFromADirectMessageIsNotAnnouncedTwiceInThatDM(t *testing.T) {
	h := startBot(t)
	_, env := h.slack.SendMessage(slackfake.Message{Channel: slackfake.DMChannel("U0BOB"), User: "U0BOB", Text: "feature: Dark mode for reports"})
	h.settle(env)
	h.slash("U0CAROL", "vote 1")
	h.slash(admin, "status 1 shipped")
	h.slack.WaitFor("both DMs", func() bool { return len(delivered(h, "has *shipped*")) >= 2 })
	h.settle()
	if got, want := delivered(h, "has *shipped*"), map[string]int{"U0BOB": 1, "U0CAROL": 1}; !reflect.DeepEqual(got, want) {
		t.Errorf("notifications = %v, want one DM each and no reply in the DM's thread", got)
	}
}

// TestDirectMessageWithAFileIsAnswered: a DM with a file attached
// (subtype file_share) is a person writing, answered like any DM; an edit
// is not.
func TestDirectMessageWithAFileIsAnswered(t *testing.T) {
	h := startBot(t)
	dm := slackfake.DMChannel("U0BOB")
	_, env := h.slack.SendMessage(slackfake.Message{Channel: dm, User: "U0BOB", Subtype: "file_share", Text: "bug: the export is empty, screenshot attached"})
	h.settle(env)
	if it := h.item(1); it.Kind != backlog.KindBug || it.Title != "the export is empty, screenshot attached" {
		t.Errorf("#1 = %+v", it)
	}
	_, env = h.slack.SendMessage(slackfake.Message{Channel: dm, User: "U0BOB", Subtype: "message_changed", Text: "feature: edited"})
	h.settle(env)
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items after an edit, want 1", n)
	}
}
