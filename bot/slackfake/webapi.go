package slackfake

import (
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Call is one Web API request the fake received.
type Call struct {
	Method string
	Token  string     // the token it carried (bearer or form)
	Form   url.Values // form fields, or top-level JSON fields rendered as strings
	At     time.Time  // when the request arrived; it is recorded when answered, after any latency
	Status int        // HTTP status answered
	Error  string     // Slack error answered ("" when ok; "ratelimited" with a 429)
}

// Param returns one request parameter.
func (c Call) Param(name string) string { return c.Form.Get(name) }

// Message is a message in the fake workspace's history.
type Message struct {
	Channel  string          `json:"-"`
	TS       string          `json:"ts"`
	ThreadTS string          `json:"thread_ts,omitempty"`
	User     string          `json:"user,omitempty"`
	BotID    string          `json:"bot_id,omitempty"`
	Subtype  string          `json:"subtype,omitempty"`
	Text     string          `json:"text"`
	Blocks   json.RawMessage `json:"blocks,omitempty"`
}

type limit struct {
	n          int
	retryAfter int // seconds
}

type failure struct {
	n   int
	err string
}

// RateLimit makes the next n calls of method answer HTTP 429 with
// Retry-After (whole seconds, at least 1, as Slack sends).
func (s *Server) RateLimit(method string, n int, retryAfter time.Duration) {
	secs := int((retryAfter + time.Second - 1) / time.Second)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.limits[method] = &limit{n: n, retryAfter: max(secs, 1)}
}

// Fail makes the next n calls of method answer {"ok":false,"error":slackErr}.
func (s *Server) Fail(method, slackErr string, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures[method] = &failure{n: n, err: slackErr}
}

// NotInChannel makes reads of channel answer not_in_channel, as for a
// channel the bot was never invited to.
func (s *Server) NotInChannel(channel string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.notIn[channel] = true
}

// SetUsergroup sets a user group's members.
func (s *Server) SetUsergroup(id string, members ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[id] = append([]string{}, members...)
}

// AddMessage puts a message in a channel's history as if a person posted it
// and returns it with its ts.
func (s *Server) AddMessage(m Message) Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	if m.TS == "" {
		m.TS = s.nextTSLocked()
	}
	s.messages[m.Channel] = append(s.messages[m.Channel], m)
	s.notify()
	return m
}

// Messages returns a channel's history, oldest first, replies included.
func (s *Server) Messages(channel string) []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.messages[channel]...)
}

// Calls returns the recorded calls of one method ("" for all), oldest first.
func (s *Server) Calls(method string) []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Call
	for _, c := range s.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// WaitCall waits for a successful call of method that match accepts (nil
// accepts any) and returns it.
func (s *Server) WaitCall(method string, match func(Call) bool) Call {
	s.t.Helper()
	var got Call
	s.WaitFor("a "+method+" call", func() bool {
		for _, c := range s.Calls(method) {
			if c.Error == "" && c.Status == http.StatusOK && (match == nil || match(c)) {
				got = c
				return true
			}
		}
		return false
	})
	return got
}

// serveAPI answers /api/<method> the way Slack's Web API does: HTTP 200 with
// {"ok":…}, or 429 with Retry-After, after the latency set by SetLatency.
// A request abandoned during its latency is neither answered nor recorded.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	method := strings.TrimPrefix(r.URL.Path, "/api/")
	call := Call{Method: method, At: time.Now(), Form: url.Values{}, Status: http.StatusOK}
	err := readParams(r, &call)
	if !s.delay(r.Context()) {
		return
	}
	if err != nil {
		call.Status = http.StatusBadRequest
		s.record(call)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}

	s.mu.Lock()
	retryAfter := 0 // seconds; > 0 answers 429
	if l := s.limits[method]; l != nil && l.n > 0 {
		l.n--
		retryAfter = l.retryAfter
	} else if method == "chat.postMessage" {
		retryAfter = s.budget.take(postChannel(call.Param("channel")), time.Now())
	}
	if retryAfter > 0 {
		call.Status = http.StatusTooManyRequests
		call.Error = "ratelimited"
		s.calls = append(s.calls, call)
		s.notify()
		s.mu.Unlock()
		w.Header().Set("Retry-After", strconv.Itoa(retryAfter))
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(fail("ratelimited"))
		return
	}
	var failErr string
	if f := s.failures[method]; f != nil && f.n > 0 {
		f.n--
		failErr = f.err
	}
	s.mu.Unlock()

	wantToken := BotToken
	if method == "apps.connections.open" {
		wantToken = AppToken
	}
	var resp map[string]any
	switch {
	case call.Token != wantToken:
		resp = fail("invalid_auth")
	case failErr != "":
		resp = fail(failErr)
	default:
		resp = s.answer(r, call)
	}
	if e, _ := resp["error"].(string); e != "" {
		call.Error = e
	}
	s.record(call)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(resp)
}

func (s *Server) record(c Call) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.calls = append(s.calls, c)
	s.notify()
}

// readParams reads the token and parameters of a form or JSON request.
func readParams(r *http.Request, c *Call) error {
	if auth := r.Header.Get("Authorization"); strings.HasPrefix(auth, "Bearer ") {
		c.Token = strings.TrimPrefix(auth, "Bearer ")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/json" {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return err
		}
		if len(body) == 0 {
			return nil
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(body, &fields); err != nil {
			return fmt.Errorf("invalid JSON body: %w", err)
		}
		for k, v := range fields {
			var str string
			if json.Unmarshal(v, &str) == nil {
				c.Form.Set(k, str)
			} else {
				c.Form.Set(k, string(v))
			}
		}
	} else {
		if err := r.ParseForm(); err != nil {
			return err
		}
		c.Form = r.Form
	}
	if c.Token == "" {
		c.Token = c.Form.Get("token")
	}
	c.Form.Del("token") // never keep a token where a test might print it
	return nil
}

func fail(e string) map[string]any { return map[string]any{"ok": false, "error": e} }

func ok(fields map[string]any) map[string]any {
	fields["ok"] = true
	return fields
}

// answer produces the successful response of one method.
func (s *Server) answer(r *http.Request, c Call) map[string]any {
	p := c.Form.Get
	switch c.Method {
	case "files.getUploadURLExternal":
		size, err := strconv.Atoi(p("length"))
		if p("filename") == "" || err != nil || size <= 0 {
			return fail("invalid_arguments")
		}
		id := newID("F")
		s.mu.Lock()
		s.uploads[id] = &upload{ID: id, Name: p("filename"), Size: size}
		s.mu.Unlock()
		return ok(map[string]any{"upload_url": "http://" + r.Host + "/upload/" + id, "file_id": id})
	case "files.completeUploadExternal":
		return s.completeUpload(c)
	case "apps.connections.open":
		ticket := newID("")
		s.mu.Lock()
		s.tickets[ticket] = true
		s.mu.Unlock()
		return ok(map[string]any{"url": "ws://" + r.Host + "/socket?ticket=" + ticket})
	case "auth.test":
		return ok(map[string]any{
			"url": "https://fake.slack.com/", "team": "Fake Workspace", "user": "liaison",
			"team_id": TeamID, "user_id": BotUserID, "bot_id": BotID,
		})
	case "chat.postMessage":
		channel := p("channel")
		if channel == "" {
			return fail("channel_not_found")
		}
		if p("text") == "" && p("blocks") == "" {
			return fail("no_text")
		}
		channel = postChannel(channel)
		if s.isNotIn(channel) {
			return fail("not_in_channel")
		}
		m := s.AddMessage(Message{Channel: channel, ThreadTS: p("thread_ts"), User: BotUserID, BotID: BotID,
			Text: p("text"), Blocks: json.RawMessage(orNull(p("blocks")))})
		return ok(map[string]any{"channel": channel, "ts": m.TS, "message": m})
	case "chat.postEphemeral":
		if p("channel") == "" || p("user") == "" {
			return fail("channel_not_found")
		}
		if p("text") == "" && p("blocks") == "" {
			return fail("no_text")
		}
		if s.isNotIn(p("channel")) {
			return fail("not_in_channel")
		}
		return ok(map[string]any{"message_ts": s.nextTS()})
	case "chat.update":
		return s.update(p("channel"), p("ts"), p("text"), p("blocks"))
	case "chat.getPermalink":
		ch, ts := p("channel"), p("message_ts")
		if ch == "" || ts == "" {
			return fail("message_not_found")
		}
		return ok(map[string]any{"channel": ch,
			"permalink": "https://fake.slack.com/archives/" + ch + "/p" + strings.Replace(ts, ".", "", 1)})
	case "views.open", "views.publish", "views.update", "views.push":
		var view map[string]any
		if err := json.Unmarshal([]byte(p("view")), &view); err != nil {
			return fail("invalid_arguments")
		}
		if c.Method == "views.open" && p("trigger_id") == "" {
			return fail("invalid_trigger_id")
		}
		if c.Method == "views.publish" && p("user_id") == "" {
			return fail("user_not_found")
		}
		view["id"] = newID("V")
		return ok(map[string]any{"view": view})
	case "reactions.add":
		if p("name") == "" || p("channel") == "" || p("timestamp") == "" {
			return fail("invalid_arguments")
		}
		return ok(map[string]any{})
	case "conversations.history":
		return s.history(p("channel"), p("latest"), p("oldest"), p("inclusive"), p("limit"))
	case "conversations.replies":
		return s.replies(p("channel"), p("ts"))
	case "conversations.open":
		users := strings.Split(p("users"), ",")
		if users[0] == "" {
			return fail("users_list_not_supplied")
		}
		return ok(map[string]any{"channel": map[string]any{"id": "D" + users[0]}})
	case "users.info":
		return s.userInfo(p("user"))
	case "usergroups.users.list":
		s.mu.Lock()
		members, found := s.groups[p("usergroup")]
		s.mu.Unlock()
		if !found {
			return fail("no_such_subteam")
		}
		return ok(map[string]any{"users": members})
	}
	return fail("unknown_method")
}

func orNull(s string) string {
	if s == "" {
		return "null"
	}
	return s
}

func (s *Server) isNotIn(channel string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.notIn[channel]
}

func (s *Server) update(channel, ts, text, blocks string) map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	msgs := s.messages[channel]
	for i := range msgs {
		if msgs[i].TS == ts {
			msgs[i].Text = text
			if blocks != "" {
				msgs[i].Blocks = json.RawMessage(blocks)
			}
			s.notify()
			return ok(map[string]any{"channel": channel, "ts": ts, "text": text})
		}
	}
	return fail("message_not_found")
}

// history answers conversations.history: top-level messages, newest first,
// within latest/oldest (inclusive only when asked).
func (s *Server) history(channel, latest, oldest, inclusive, limitStr string) map[string]any {
	if s.isNotIn(channel) {
		return fail("not_in_channel")
	}
	incl := inclusive == "true" || inclusive == "1"
	n, err := strconv.Atoi(limitStr)
	if err != nil || n <= 0 {
		n = 100
	}
	var out []Message
	for _, m := range s.Messages(channel) {
		if m.ThreadTS != "" && m.ThreadTS != m.TS {
			continue // replies are not in history
		}
		if latest != "" && (tsLess(latest, m.TS) || (!incl && m.TS == latest)) {
			continue
		}
		if oldest != "" && (tsLess(m.TS, oldest) || (!incl && m.TS == oldest)) {
			continue
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return tsLess(out[j].TS, out[i].TS) })
	more := len(out) > n
	if more {
		out = out[:n]
	}
	if out == nil {
		out = []Message{}
	}
	return ok(map[string]any{"messages": out, "has_more": more})
}

// replies answers conversations.replies: the parent, then its replies.
func (s *Server) replies(channel, ts string) map[string]any {
	if s.isNotIn(channel) {
		return fail("not_in_channel")
	}
	msgs := s.Messages(channel)
	// Like Slack, a reply's ts stands for its whole thread.
	for _, m := range msgs {
		if m.TS == ts && m.ThreadTS != "" && m.ThreadTS != m.TS {
			ts = m.ThreadTS
		}
	}
	var parent *Message
	var out []Message
	for _, m := range msgs {
		switch {
		case m.TS == ts:
			mm := m
			parent = &mm
		case m.ThreadTS == ts:
			out = append(out, m)
		}
	}
	if parent == nil {
		return fail("thread_not_found")
	}
	sort.Slice(out, func(i, j int) bool { return tsLess(out[i].TS, out[j].TS) })
	return ok(map[string]any{"messages": append([]Message{*parent}, out...), "has_more": false})
}

// userInfo answers users.info: every id is a person named after it, in Europe/Berlin.
func (s *Server) userInfo(id string) map[string]any {
	if id == "" {
		return fail("user_not_found")
	}
	name, realName := strings.ToLower(id), "User "+id
	return ok(map[string]any{"user": map[string]any{
		"id": id, "name": name, "real_name": realName, "tz": "Europe/Berlin", "is_bot": false,
		"profile": map[string]any{"real_name": realName, "display_name": name},
	}})
}

// tsLess orders Slack timestamps ("seconds.micros") numerically.
func tsLess(a, b string) bool {
	as, af, _ := strings.Cut(a, ".")
	bs, bf, _ := strings.Cut(b, ".")
	if len(as) != len(bs) {
		return len(as) < len(bs)
	}
	if as != bs {
		return as < bs
	}
	return af < bf
}

// upload is a file given an upload URL; Bytes once posted there, Channel
// and ThreadTS once completed (shared).
type upload struct {
	ID, Name, Title   string
	Size              int
	Bytes             []byte
	Channel, ThreadTS string
	Shared            bool
}

// serveUpload takes a file's bytes, as Slack's upload URL does: a
// multipart form with a "file" part, or the raw body.
func (s *Server) serveUpload(w http.ResponseWriter, r *http.Request) {
	if !s.delay(r.Context()) {
		return
	}
	var data []byte
	if f, _, err := r.FormFile("file"); err == nil {
		data, _ = io.ReadAll(f)
	} else {
		data, _ = io.ReadAll(r.Body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.uploads[r.PathValue("id")]
	if u == nil || u.Shared {
		http.Error(w, "no such upload", http.StatusNotFound)
		return
	}
	u.Bytes = data
	s.calls = append(s.calls, Call{Method: "files.upload", At: time.Now(), Form: url.Values{"file_id": {u.ID}}, Status: http.StatusOK})
	s.notify()
	w.Write([]byte("OK - " + strconv.Itoa(len(data))))
}

// completeUpload shares uploaded files in a channel (and thread).
func (s *Server) completeUpload(c Call) map[string]any {
	var files []struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	if err := json.Unmarshal([]byte(c.Param("files")), &files); err != nil || len(files) == 0 {
		return fail("invalid_arguments")
	}
	channel := c.Param("channel_id")
	if channel == "" {
		return fail("invalid_channel")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, f := range files {
		u := s.uploads[f.ID]
		if u == nil || u.Bytes == nil {
			return fail("file_not_found")
		}
		if u.Shared {
			return fail("file_already_completed")
		}
		u.Title, u.Channel, u.ThreadTS, u.Shared = f.Title, channel, c.Param("thread_ts"), true
		out = append(out, map[string]any{"id": u.ID, "title": u.Title})
	}
	return ok(map[string]any{"files": out})
}

// Files lists the files shared in Slack (completed uploads), oldest first.
func (s *Server) Files() []File {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []File
	for _, u := range s.uploads {
		if u.Shared {
			out = append(out, File{ID: u.ID, Name: u.Name, Title: u.Title, Channel: u.Channel, ThreadTS: u.ThreadTS, Bytes: u.Bytes})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// File is a file shared in Slack.
type File struct {
	ID, Name, Title   string
	Channel, ThreadTS string
	Bytes             []byte
}
