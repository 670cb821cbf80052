package slackfake

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/slack-go/slack"
)

// dial opens a Socket Mode connection by hand, as a client that never acks.
func dial(t *testing.T, s *Server) (*websocket.Conn, string) {
	t.Helper()
	api := slack.New(BotToken, slack.OptionAPIURL(s.APIURL()), slack.OptionAppLevelToken(AppToken))
	_, url, err := api.StartSocketModeContext(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	ws, _, err := websocket.DefaultDialer.Dial(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ws.Close() })
	return ws, url
}

// read reads one JSON message with a deadline.
func read(t *testing.T, ws *websocket.Conn) map[string]any {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(DefaultWait))
	var m map[string]any
	if err := ws.ReadJSON(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

// postResult is what a plain chat.postMessage POST got back.
type postResult struct {
	status     int
	retryAfter int // seconds, from the Retry-After header; 0 when absent
	err        string
	at         time.Time // when the answer arrived
}

// post sends chat.postMessage as a plain form POST.
func post(t *testing.T, s *Server, channel string) postResult {
	t.Helper()
	resp, err := http.PostForm(s.APIURL()+"chat.postMessage", url.Values{
		"token": {BotToken}, "channel": {channel}, "text": {"hi"},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	r := postResult{status: resp.StatusCode, at: time.Now()}
	if h := resp.Header.Get("Retry-After"); h != "" {
		if r.retryAfter, err = strconv.Atoi(h); err != nil {
			t.Fatalf("Retry-After %q is not whole seconds", h)
		}
	}
	var body struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("chat.postMessage answered %d with a body that is not JSON: %v", resp.StatusCode, err)
	}
	r.err = body.Error
	return r
}
