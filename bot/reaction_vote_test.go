package bot

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/liaisonbot/liaison/bot/slackfake"
)

// confirmationIn is Liaison's confirmation in the thread of message ts.
func confirmationIn(t *testing.T, h *harness, channel, ts string) slackfake.Message {
	t.Helper()
	for _, m := range h.slack.Messages(channel) {
		if m.BotID == slackfake.BotID && m.ThreadTS == ts && strings.Contains(m.Text, "Captured as") {
			return m
		}
	}
	t.Fatalf("no confirmation in the thread of %s", ts)
	return slackfake.Message{}
}

// ephemeralTo are the successful chat.postEphemeral calls shown to user.
func ephemeralTo(h *harness, user string) []slackfake.Call {
	var out []slackfake.Call
	for _, c := range h.slack.Calls("chat.postEphemeral") {
		if c.Status == 200 && c.Error == "" && c.Param("user") == user {
			out = append(out, c)
		}
	}
	return out
}

// texts are the text parameters of calls, for failure messages (a Call
// also carries its token).
func texts(calls []slackfake.Call) []string {
	var out []string
	for _, c := range calls {
		out = append(out, c.Param("text"))
	}
	return out
}

// react adds (or, with removed, takes back) user's reaction on m and waits
// for the bot to be done with it.
func (h *harness) react(user, reaction string, m slackfake.Message, removed bool) {
	h.t.Helper()
	ev := slackfake.ReactionAdded(user, reaction, m)
	if removed {
		ev = slackfake.ReactionRemoved(user, reaction, m)
	}
	h.settle(h.slack.SendEvent(ev))
}

func TestThumbsUpOnAConfirmationIsAVote(t *testing.T) {
	h := startBot(t)
	m, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + "feature: Dark mode for reports"})
	h.settle(env)
	conf := confirmationIn(t, h, "C0GENERAL", m.TS)

	h.react("U0CAROL", "+1", conf, false)
	voters, followers := h.people(1)
	if !reflect.DeepEqual(voters, []string{"U0BOB", "U0CAROL"}) || !slices.Contains(followers, "U0CAROL") {
		t.Fatalf("after a +1: voters %v followers %v; want Carol voting and following", voters, followers)
	}
	said := ephemeralTo(h, "U0CAROL")
	if len(said) != 1 || !strings.Contains(said[0].Param("text"), "Added your +1 to *#1*") ||
		said[0].Param("channel") != "C0GENERAL" || said[0].Param("thread_ts") != m.TS {
		t.Fatalf("Carol was told %q; want one private note in the confirmation's thread", texts(said))
	}
	// :thumbsup: and skin tones are the same vote.
	h.react("U0DAVE", "thumbsup", conf, false)
	h.react("U0ERIN", "+1::skin-tone-4", conf, false)
	if got := h.item(1).Votes; got != 4 {
		t.Errorf("votes = %d, want 4", got)
	}

	// Taking the reaction back takes the vote back; Carol still follows.
	h.react("U0CAROL", "+1", conf, true)
	voters, followers = h.people(1)
	if !reflect.DeepEqual(voters, []string{"U0BOB", "U0DAVE", "U0ERIN"}) || !slices.Contains(followers, "U0CAROL") {
		t.Errorf("after Carol's +1 was removed: voters %v followers %v; want her vote gone, still following", voters, followers)
	}
	if said := ephemeralTo(h, "U0CAROL"); len(said) != 2 || !strings.Contains(said[1].Param("text"), "Removed your vote from *#1*") {
		t.Errorf("Carol was told %q; want the vote's removal confirmed", texts(said))
	}
	h.react("U0ERIN", "+1::skin-tone-4", conf, true)
	if voters, _ := h.people(1); slices.Contains(voters, "U0ERIN") {
		t.Errorf("voters %v still hold Erin after her skin-toned +1 was removed", voters)
	}

	// The reporter's vote is their request's: a +1 of theirs, added and
	// taken back, leaves it.
	h.react("U0BOB", "+1", conf, false)
	h.react("U0BOB", "+1", conf, true)
	if voters, _ := h.people(1); !slices.Contains(voters, "U0BOB") {
		t.Errorf("voters %v lost the reporter", voters)
	}
	if said := ephemeralTo(h, "U0BOB"); len(said) != 0 {
		t.Errorf("the reporter was told %q; nothing changed for them", texts(said))
	}
}

func TestThumbsUpElsewhereIsNoVote(t *testing.T) {
	h := startBot(t)
	m, env := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + "feature: Dark mode for reports"})
	h.settle(env)
	conf := confirmationIn(t, h, "C0GENERAL", m.TS)
	other := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: "U0DAVE", Text: "lunch?"})
	answer := h.slack.AddMessage(slackfake.Message{Channel: "C0GENERAL", User: slackfake.BotUserID, BotID: slackfake.BotID, Text: "Top 10 open items"})
	calls := len(h.slack.Calls(""))

	h.react("U0CAROL", "+1", m, false)                                                  // the captured message itself
	h.react("U0CAROL", "+1", other, false)                                              // a person's message
	h.react("U0CAROL", "thumbsup", answer, false)                                       // another of Liaison's messages
	h.react("U0CAROL", "+1", conf, true)                                                // a +1 taken back that was never there
	h.react(slackfake.BotUserID, "+1", conf, false)                                     // Liaison's own reaction
	h.react("U0CAROL", "heart", conf, false)                                            // another emoji
	h.react("U0CAROL", "+1", slackfake.Message{Channel: "C0OTHER", TS: conf.TS}, false) // the same ts elsewhere

	if voters, _ := h.people(1); !reflect.DeepEqual(voters, []string{"U0BOB"}) {
		t.Errorf("voters = %v, want only the reporter", voters)
	}
	if n := len(h.items()); n != 1 {
		t.Errorf("%d items, want 1", n)
	}
	if got := h.slack.Calls("")[calls:]; len(got) != 0 {
		t.Errorf("%d Web API calls for reactions that are no vote, first %s %v", len(got), got[0].Method, got[0].Form)
	}
}

func TestThumbsUpOnAMergedItemsConfirmationVotesWhereItWent(t *testing.T) {
	h := startBot(t)
	_, env1 := h.slack.SendMention(slackfake.Message{Channel: "C0GENERAL", User: "U0BOB", Text: bot + "feature: Dark mode for reports"})
	second, env2 := h.slack.SendMention(slackfake.Message{Channel: "C0SALES", User: "U0DAVE", Text: bot + "feature: A dark theme"})
	h.settle(env1, env2)
	conf := confirmationIn(t, h, "C0SALES", second.TS)
	h.slash(admin, "merge 2 into 1")
	h.settle()

	h.react("U0CAROL", "+1", conf, false)
	if voters, _ := h.people(1); !slices.Contains(voters, "U0CAROL") {
		t.Fatalf("voters of #1 = %v; the +1 on #2's confirmation belongs to #1, where #2 was merged", voters)
	}
	h.react("U0CAROL", "+1", conf, true)
	if voters, _ := h.people(1); slices.Contains(voters, "U0CAROL") {
		t.Errorf("voters of #1 = %v; taking the +1 back takes it from #1", voters)
	}
	h.react("U0DAVE", "+1", conf, true) // #2's reporter: the merged request keeps their vote
	if voters, _ := h.people(1); !slices.Contains(voters, "U0DAVE") {
		t.Errorf("voters of #1 = %v lost #2's reporter", voters)
	}
}
