package slackfake

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

func TestConnectionsOpenNeedsTheAppToken(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken("xapp-wrong"))
	_, _, err := api.StartSocketModeContext(context.Background())
	if err == nil || err.Error() != "invalid_auth" {
		t.Errorf("apps.connections.open with a wrong token = %v, want invalid_auth", err)
	}
}

func TestSocketURLIsOneUse(t *testing.T) {
	s := New(t)
	ws, url := dial(t, s)
	if got := read(t, ws)["type"]; got != "hello" {
		t.Fatalf("first message type = %v, want hello", got)
	}
	_, resp, err := websocket.DefaultDialer.Dial(url, nil)
	if err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("second dial of the same URL: err %v, want 401", err)
	}
}

func TestUnackedEventsRedeliveredAfterReconnect(t *testing.T) {
	s := New(t)
	ws, _ := dial(t, s)
	read(t, ws) // hello
	s.WaitConnections(1)
	env := s.SendEvent(map[string]any{"type": "app_mention", "user": "U1", "text": "hi", "channel": "C1", "ts": "1.000001"})
	first := read(t, ws)
	if first["envelope_id"] != env.EnvelopeID || first["retry_attempt"].(float64) != 0 {
		t.Fatalf("first delivery = %v", first)
	}
	slashEnv := s.SendSlash("/backlog", "help", "U1", "C1")
	read(t, ws)
	ws.Close() // never acked

	ws2, _ := dial(t, s)
	if got := read(t, ws2)["type"]; got != "hello" {
		t.Fatalf("after reconnect, first message = %v, want hello", got)
	}
	again := read(t, ws2)
	if again["envelope_id"] != env.EnvelopeID || again["retry_attempt"].(float64) != 1 || again["retry_reason"] != "timeout" {
		t.Errorf("redelivery = %v, want the same envelope with retry_attempt 1", again)
	}
	if err := ws2.WriteJSON(map[string]any{"envelope_id": env.EnvelopeID}); err != nil {
		t.Fatal(err)
	}
	s.WaitAck(env.EnvelopeID)
	if len(s.Unacked()) != 0 {
		t.Errorf("unacked after ack = %v", s.Unacked())
	}
	for _, e := range s.Sent() {
		if e.EnvelopeID == slashEnv.EnvelopeID && e.RetryAttempt > 0 {
			t.Error("a slash command envelope was redelivered; only Events API envelopes are")
		}
	}
}

func TestAckRecordsPayloadAndLatency(t *testing.T) {
	s := New(t)
	ws, _ := dial(t, s)
	read(t, ws)
	s.WaitConnections(1)
	env := s.SendSlash("/backlog", "help", "U1", "C1")
	read(t, ws)
	if err := ws.WriteJSON(map[string]any{"envelope_id": env.EnvelopeID, "payload": map[string]string{"text": "hi"}}); err != nil {
		t.Fatal(err)
	}
	a := s.WaitAck(env.EnvelopeID)
	if string(a.Payload) != `{"text":"hi"}` || a.Latency <= 0 || a.At.Before(env.SentAt) {
		t.Errorf("ack = %+v", a)
	}
}

func TestDisconnectAndDropReachTheClient(t *testing.T) {
	s := New(t)
	ws, _ := dial(t, s)
	read(t, ws)
	s.WaitConnections(1)
	s.Disconnect("refresh_requested")
	if m := read(t, ws); m["type"] != "disconnect" || m["reason"] != "refresh_requested" {
		t.Errorf("disconnect message = %v", m)
	}
	s.Drop()
	_ = ws.SetReadDeadline(time.Now().Add(DefaultWait))
	if _, _, err := ws.ReadMessage(); err == nil {
		t.Error("read after Drop succeeded")
	}
	s.WaitFor("the server to forget the dropped connection", func() bool { return !s.Connected() })
}

func TestRateLimitAnswers429WithRetryAfter(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.RateLimit("chat.postMessage", 1, 2*time.Second)
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
	var rl *slack.RateLimitedError
	if !errors.As(err, &rl) || rl.RetryAfter != 2*time.Second {
		t.Fatalf("first call = %v, want RateLimitedError with Retry-After 2s", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("second call = %v, want success", err)
	}
	calls := s.Calls("chat.postMessage")
	if len(calls) != 2 || calls[0].Status != http.StatusTooManyRequests || calls[1].Status != http.StatusOK {
		t.Errorf("calls = %+v", calls)
	}
	if msgs := s.Messages("C1"); len(msgs) != 1 {
		t.Errorf("%d messages stored, want 1 (the 429 must not post)", len(msgs))
	}
	if got := s.RateLimited("chat.postMessage"); got != 1 {
		t.Errorf("RateLimited(chat.postMessage) = %d, want 1", got)
	}
}

func TestWebAPIRejectsWrongTokenAndNeverRecordsTokens(t *testing.T) {
	s := New(t)
	api := slack.New("xoxb-wrong", slack.OptionAPIURL(s.APIURL()))
	if _, err := api.AuthTest(); err == nil || err.Error() != "invalid_auth" {
		t.Errorf("auth.test with a wrong token = %v", err)
	}
	for _, c := range s.Calls("") {
		b, _ := json.Marshal(c.Form)
		if strings.Contains(string(b), "xoxb-") {
			t.Errorf("call %s kept a token in Form", c.Method)
		}
	}
}

func TestHistoryRepliesAndPermalink(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	parent := s.AddMessage(Message{Channel: "C1", User: "U1", Text: "parent"})
	s.AddMessage(Message{Channel: "C1", User: "U2", Text: "reply", ThreadTS: parent.TS})
	later := s.AddMessage(Message{Channel: "C1", User: "U3", Text: "later"})

	h, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1", Latest: parent.TS, Inclusive: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 1 || h.Messages[0].Text != "parent" {
		t.Errorf("history at parent = %+v", h.Messages)
	}
	h, err = api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(h.Messages) != 2 || h.Messages[0].Timestamp != later.TS {
		t.Errorf("history = %+v, want later then parent (no replies)", h.Messages)
	}
	msgs, _, _, err := api.GetConversationReplies(&slack.GetConversationRepliesParameters{ChannelID: "C1", Timestamp: parent.TS})
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 2 || msgs[0].Text != "parent" || msgs[1].Text != "reply" {
		t.Errorf("replies = %+v", msgs)
	}
	link, err := api.GetPermalink(&slack.PermalinkParameters{Channel: "C1", Ts: parent.TS})
	if err != nil || !strings.HasPrefix(link, "https://fake.slack.com/archives/C1/p") {
		t.Errorf("permalink = %q, %v", link, err)
	}
	s.NotInChannel("C9")
	if _, err := api.GetConversationHistory(&slack.GetConversationHistoryParameters{ChannelID: "C9"}); err == nil || err.Error() != "not_in_channel" {
		t.Errorf("history of a channel the bot is not in = %v", err)
	}
	s.Fail("users.info", "user_not_found", 1)
	if _, err := api.GetUserInfo("U1"); err == nil || err.Error() != "user_not_found" {
		t.Errorf("users.info with an injected failure = %v", err)
	}
	if u, err := api.GetUserInfo("U1"); err != nil || u.ID != "U1" {
		t.Errorf("users.info = %+v, %v", u, err)
	}
}

func TestPayloadBuildersParseInSlackGo(t *testing.T) {
	m := Message{Channel: "C1", User: "U1", TS: "1.000001", ThreadTS: "1.000000", Text: "hi"}
	var ic slack.InteractionCallback
	for _, p := range []map[string]any{
		BlockAction("U2", m, "vote", "42"),
		Shortcut("new_request", "U2"),
		MessageAction("capture_message", "U2", m),
		ViewSubmission("capture", "U2", "meta", map[string]map[string]Input{"title": {"title_input": Text("Dark mode")}, "kind": {"kind": Option("bug")}}),
	} {
		ic = slack.InteractionCallback{}
		if err := json.Unmarshal(mustJSON(p), &ic); err != nil {
			t.Fatalf("%v: %v", p["type"], err)
		}
		if ic.User.ID != "U2" || ic.Team.ID != TeamID || ic.TriggerID == "" {
			t.Errorf("%s parsed as %+v", p["type"], ic)
		}
	}
	if got := ic.View.State.Values["title"]["title_input"].Value; got != "Dark mode" {
		t.Errorf("view_submission value = %q", got)
	}
	if got := ic.View.State.Values["kind"]["kind"].SelectedOption.Value; got != "bug" {
		t.Errorf("view_submission select = %q", got)
	}
	ic = slack.InteractionCallback{}
	_ = json.Unmarshal(mustJSON(BlockAction("U2", m, "vote", "42")), &ic)
	if len(ic.ActionCallback.BlockActions) != 1 || ic.ActionCallback.BlockActions[0].Value != "42" || ic.Container.ThreadTs != "1.000000" {
		t.Errorf("block action parsed as %+v", ic.ActionCallback)
	}
	var cmd slack.SlashCommand
	if err := json.Unmarshal(mustJSON(SlashCommand("/backlog", "top 5", "U1", "C1")), &cmd); err != nil || cmd.Text != "top 5" || cmd.TriggerID == "" {
		t.Errorf("slash command parsed as %+v, %v", cmd, err)
	}
}

func TestLatencyDelaysEveryCallConcurrently(t *testing.T) {
	const latency = 100 * time.Millisecond
	const minimum = latency * 9 / 10 // the jitter is at most 10%
	s := New(t)
	s.SetLatency(latency)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(AppToken))

	start := time.Now()
	if _, _, err := api.StartSocketModeContext(context.Background()); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(start); took < minimum {
		t.Errorf("apps.connections.open took %v, want at least %v", took, minimum)
	}

	const n = 20
	took := make([]time.Duration, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start = time.Now()
	for i := range n {
		wg.Go(func() {
			t0 := time.Now()
			if i%2 == 0 {
				_, errs[i] = api.AuthTest()
			} else {
				_, _, errs[i] = api.PostMessage("C1", slack.MsgOptionText("hi", false))
			}
			took[i] = time.Since(t0)
		})
	}
	wg.Wait()
	total := time.Since(start)
	for i := range n {
		if errs[i] != nil {
			t.Errorf("call %d: %v", i, errs[i])
		}
		if took[i] < minimum {
			t.Errorf("call %d took %v, want at least %v", i, took[i], minimum)
		}
	}
	if total > time.Second {
		t.Errorf("%d concurrent calls with %v latency took %v, want well under 1s (the delay must not serialize calls)", n, latency, total)
	}
	if got := len(s.Calls("auth.test")) + len(s.Calls("chat.postMessage")); got != n {
		t.Errorf("%d calls recorded, want %d", got, n)
	}
	if got := len(s.Messages("C1")); got != n/2 {
		t.Errorf("%d messages posted, want %d", got, n/2)
	}
}

func TestPostBudgetPerChannel(t *testing.T) {
	s := New(t)
	s.SetPostBudget(1, 3)
	var accepted, limited []postResult
	for range 10 {
		switch r := post(t, s, "C1"); r.status {
		case http.StatusOK:
			accepted = append(accepted, r)
		case http.StatusTooManyRequests:
			limited = append(limited, r)
		default:
			t.Fatalf("post answered %d, want 200 or 429", r.status)
		}
	}
	if len(accepted) != 3 || len(limited) != 7 {
		t.Fatalf("10 immediate posts: %d accepted and %d limited, want 3 and 7", len(accepted), len(limited))
	}
	for _, r := range limited {
		if r.retryAfter != 1 || r.err != "ratelimited" {
			t.Errorf("429 with Retry-After %d and error %q, want 1 (the next token is under a second away) and ratelimited", r.retryAfter, r.err)
		}
	}
	if r := post(t, s, "C2"); r.status != http.StatusOK {
		t.Errorf("post to C2 while C1 is limited answered %d, want 200 (channels have their own budgets)", r.status)
	}
	if got := len(s.Messages("C1")); got != 3 {
		t.Errorf("%d messages in C1, want 3 (a 429 must not post)", got)
	}
	if got := s.RateLimited("chat.postMessage"); got != 7 {
		t.Errorf("RateLimited(chat.postMessage) = %d, want 7", got)
	}
	n429 := 0
	for _, c := range s.Calls("chat.postMessage") {
		if c.Status == http.StatusTooManyRequests {
			n429++
			if c.Error != "ratelimited" || c.Param("channel") != "C1" {
				t.Errorf("recorded 429 = %+v, want error ratelimited on C1", c)
			}
		}
	}
	if n429 != 7 {
		t.Errorf("%d calls recorded with status 429, want 7", n429)
	}

	// Waiting as long as the fake said is enough.
	last := limited[len(limited)-1]
	time.Sleep(time.Until(last.at.Add(time.Duration(last.retryAfter) * time.Second)))
	if r := post(t, s, "C1"); r.status != http.StatusOK {
		t.Errorf("post to C1 after its Retry-After answered %d (Retry-After %d), want 200", r.status, r.retryAfter)
	}
}

func TestPostBudgetRetryAfterRoundsUp(t *testing.T) {
	s := New(t)
	s.SetPostBudget(0.25, 1) // a token every 4 s
	if r := post(t, s, "C1"); r.status != http.StatusOK {
		t.Fatalf("first post answered %d, want 200", r.status)
	}
	if r := post(t, s, "C1"); r.status != http.StatusTooManyRequests || r.retryAfter != 4 {
		t.Errorf("second post answered %d with Retry-After %d, want 429 with 4", r.status, r.retryAfter)
	}
}

func TestPostBudgetUserIDIsItsDM(t *testing.T) {
	s := New(t)
	s.SetPostBudget(1, 1)
	for _, c := range []struct {
		channel string
		want    int
	}{
		{"U1", http.StatusOK},
		{"DU1", http.StatusTooManyRequests}, // the same DM as U1
		{"U2", http.StatusOK},
		{"C1", http.StatusOK},
	} {
		if r := post(t, s, c.channel); r.status != c.want {
			t.Errorf("post to %s answered %d, want %d", c.channel, r.status, c.want)
		}
	}
	if got := len(s.Messages("DU1")); got != 1 {
		t.Errorf("%d messages in DU1, want 1", got)
	}

	s.SetPostBudget(0, 0) // off again: unlimited
	for i := range 10 {
		if r := post(t, s, "C1"); r.status != http.StatusOK {
			t.Fatalf("post %d with the budget off answered %d, want 200", i, r.status)
		}
	}
}

func TestSlackGoSeesPostBudgetAsRateLimitedError(t *testing.T) {
	s := New(t)
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()))
	s.SetPostBudget(1, 1)
	s.RateLimit("chat.postMessage", 1, 3*time.Second) // checked first, takes no token

	var rl *slack.RateLimitedError
	_, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false))
	if !errors.As(err, &rl) || rl.RetryAfter != 3*time.Second {
		t.Fatalf("first post = %v, want RateLimitedError with Retry-After 3s from RateLimit", err)
	}
	if _, _, err := api.PostMessage("C1", slack.MsgOptionText("hi", false)); err != nil {
		t.Fatalf("second post = %v, want success (RateLimit's 429 took no token)", err)
	}
	_, _, err = api.PostMessage("C1", slack.MsgOptionText("hi", false))
	if !errors.As(err, &rl) || rl.RetryAfter < time.Second {
		t.Fatalf("third post = %v, want RateLimitedError with Retry-After >= 1s from the budget", err)
	}
	if got := s.RateLimited("chat.postMessage"); got != 2 {
		t.Errorf("RateLimited(chat.postMessage) = %d, want 2", got)
	}
	if got := s.RateLimited("auth.test"); got != 0 {
		t.Errorf("RateLimited(auth.test) = %d, want 0", got)
	}
	if got := len(s.Messages("C1")); got != 1 {
		t.Errorf("%d messages in C1, want 1", got)
	}
}
