package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackevents"
	"github.com/slack-go/slack/socketmode"

	"github.com/liaisonbot/liaison/bot"
)

// Help is what :help prints.
const Help = `Type what you would type in Slack, as the user and in the channel the prompt shows:
  /feedback feature: dark mode       /backlog top       /backlog status 3 shipped
  @liaison bug: login fails          @liaison what's planned
  the export is slow                 (a message in the channel: captured when it is monitored;
                                      in :dm, answered like a mention)
Shell commands:
  :user U123      type as another person        :channel C123   type in another channel         :dm   type in your DM with Liaison
  :admin          make this person a product owner, or not
  :react bulb     react to the last message in the channel with :bulb: (:react +1 on a
                  confirmation is a vote)
  :press +1       press a button of the last message that had buttons
  :choose Planned pick an option in a menu of the last message (the card's Set status…)
  :thread         type in the thread of the last message; :thread off leaves it
  :submit a | b   fill in the form last opened, field by field, and send it
  :home           open the App Home
  :help           this text                     :quit           leave (so does end of input)
What Liaison sends after its answer shows as "→ #C1: …", "→ DM to U1: …".
`

// Waits of a typed line: for its ack, then for the bot to finish.
const (
	ackWait  = 5 * time.Second
	idleWait = 15 * time.Second
)

// Bot is what the shell needs of the bot running on the console.
type Bot interface {
	Idle(ctx context.Context) (bool, error)
	SetAdmins(users []string)
}

// Shell reads what a person types and prints what Slack would show.
type Shell struct {
	c       *Console
	bot     Bot
	user    string
	chann   string
	admins  []string // the configured product owners, and those :admin made
	prompt  bool     // print a prompt before each line (a terminal, not a pipe)
	thread  string   // the thread typed in (:thread), "" for the channel
	session string   // in every id, so no two sessions' ids meet in the ledger
	seq     int
}

// NewShell is a shell typing into c for b; admins are the configured
// product owners; prompt says whether to print a prompt.
func NewShell(c *Console, b Bot, admins []string, prompt bool) *Shell {
	return &Shell{c: c, bot: b, user: DefaultUser, chann: DefaultChannel, admins: slices.Clone(admins), prompt: prompt,
		session: strconv.FormatInt(time.Now().UnixNano(), 36)}
}

// Serve reads lines from in until it ends, ctx ends (Ctrl-C) or :quit.
func (s *Shell) Serve(ctx context.Context, in io.Reader) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	go func() { // reading blocks; ctx must still end the shell
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
		readErr <- sc.Err()
	}()
	for {
		if s.prompt {
			where := "#" + s.chann
			if s.thread != "" {
				where += " thread " + s.thread
			}
			s.say("%s in %s> ", s.user, where)
		}
		var line string
		select {
		case <-ctx.Done():
			return nil
		case err := <-readErr:
			return err
		case line = <-lines:
		}
		quit, err := s.Line(ctx, line)
		if err != nil {
			return err
		}
		if quit || ctx.Err() != nil {
			return nil
		}
	}
}

// say prints the shell's own words.
func (s *Shell) say(format string, args ...any) {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	s.c.printf(format, args...)
}

// Line runs one typed line and waits until everything it causes is shown.
// It reports whether the line asked to quit.
func (s *Shell) Line(ctx context.Context, line string) (bool, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return false, nil
	}
	if strings.HasPrefix(line, ":") {
		return s.command(ctx, line)
	}
	var evt socketmode.Event
	switch {
	case strings.HasPrefix(line, "/"):
		command, text, _ := strings.Cut(line, " ")
		evt = s.slash(command, slackText(strings.TrimSpace(text)))
	case hasMentionPrefix(line):
		text := "<@" + BotUserID + "> " + slackText(strings.TrimSpace(line[len("@liaison"):]))
		ts := s.post(text)
		evt = s.event(&slackevents.AppMentionEvent{Type: "app_mention", User: s.user, Text: text, TimeStamp: ts, ThreadTimeStamp: s.thread, Channel: s.chann}, "app_mention")
	default:
		kind := "channel"
		if strings.HasPrefix(s.chann, "D") {
			kind = "im" // a message in the DM with Liaison: its Messages tab
		}
		text := slackText(line)
		ts := s.post(text)
		evt = s.event(&slackevents.MessageEvent{Type: "message", User: s.user, Text: text, TimeStamp: ts, ThreadTimeStamp: s.thread, Channel: s.chann, ChannelType: kind}, "message")
	}
	return false, s.send(ctx, evt)
}

// mentionWord is a typed @U123, #C123, @here, @channel or @everyone.
var mentionWord = regexp.MustCompile(`(^|\s)(@[UW][A-Z0-9]+|#[CG][A-Z0-9]+|@here|@channel|@everyone)\b`)

// slackText is typed text as Slack delivers it: &, < and > encoded, and
// @U123, #C123 and @here made into Slack's <@U123>, <#C123> and <!here>.
func slackText(typed string) string {
	return mentionWord.ReplaceAllStringFunc(bot.Escape(typed), func(m string) string {
		lead, word := m[:len(m)-len(strings.TrimLeft(m, " \t"))], strings.TrimLeft(m, " \t")
		switch word {
		case "@here", "@channel", "@everyone":
			return lead + "<!" + word[1:] + ">"
		}
		return lead + "<" + word + ">"
	})
}

// hasMentionPrefix reports whether line starts with "@liaison".
func hasMentionPrefix(line string) bool {
	return len(line) >= len("@liaison") && strings.EqualFold(line[:len("@liaison")], "@liaison") &&
		(len(line) == len("@liaison") || line[len("@liaison")] == ' ' || line[len("@liaison")] == ':')
}

// command runs a :command.
func (s *Shell) command(ctx context.Context, line string) (bool, error) {
	name, arg, _ := strings.Cut(line, " ")
	arg = strings.TrimSpace(arg)
	switch name {
	case ":quit", ":q", ":exit":
		return true, nil
	case ":help", ":h":
		s.say("%s", Help)
	case ":user":
		if !bot.IsUserID(arg) {
			s.say("Give a user id: :user U123\n")
			return false, nil
		}
		s.user = arg
		if strings.HasPrefix(s.chann, "D") {
			s.chann = "D" + s.user[1:] // the DM goes with the person
		}
		s.say("You are %s%s.\n", s.user, s.role())
	case ":channel":
		if !bot.IsChannelID(arg) || arg[0] == 'D' {
			s.say("Give a channel id: :channel C123\n")
			return false, nil
		}
		s.chann, s.thread = arg, ""
		s.say("You type in #%s.\n", s.chann)
	case ":dm":
		s.chann, s.thread = "D"+s.user[1:], ""
		s.say("You type in your DM with Liaison (#%s); :channel C123 leaves it.\n", s.chann)
	case ":admin":
		if i := slices.Index(s.admins, s.user); i >= 0 {
			s.admins = slices.Delete(s.admins, i, i+1)
		} else {
			s.admins = append(s.admins, s.user)
		}
		s.bot.SetAdmins(s.admins)
		s.say("You are %s%s.\n", s.user, s.role())
	case ":home":
		return false, s.send(ctx, s.event(&slackevents.AppHomeOpenedEvent{Type: "app_home_opened", User: s.user, Channel: "D" + s.user[1:], Tab: "home"}, "app_home_opened"))
	case ":react":
		return false, s.react(ctx, strings.Trim(arg, ":"))
	case ":press":
		return false, s.press(ctx, arg)
	case ":submit":
		return false, s.submit(ctx, arg)
	case ":choose":
		return false, s.choose(ctx, arg)
	case ":thread":
		s.enterThread(arg)
	default:
		s.say("I don't know %s. :help lists what works.\n", name)
	}
	return false, nil
}

// role says whether the person typing is a product owner.
func (s *Shell) role() string {
	if slices.Contains(s.admins, s.user) {
		return ", a product owner"
	}
	return ", not a product owner (:admin makes you one)"
}

// react adds a reaction to the last message in the channel, whoever wrote it.
func (s *Shell) react(ctx context.Context, emoji string) error {
	if emoji == "" {
		s.say("Which reaction? :react bulb\n")
		return nil
	}
	s.c.mu.Lock()
	var target string
	if msgs := s.c.messages[s.chann]; len(msgs) > 0 {
		target = msgs[len(msgs)-1].Timestamp
	}
	s.c.mu.Unlock()
	if target == "" {
		s.say("Nothing to react to in #%s yet: type a message first.\n", s.chann)
		return nil
	}
	return s.send(ctx, s.event(&slackevents.ReactionAddedEvent{Type: "reaction_added", User: s.user, Reaction: emoji,
		Item: slackevents.Item{Type: "message", Channel: s.chann, Timestamp: target}}, "reaction_added"))
}

// press presses the button labelled label on the last message with buttons.
func (s *Shell) press(ctx context.Context, label string) error {
	s.c.mu.Lock()
	buttons := s.c.buttons
	s.c.mu.Unlock()
	var labels []string
	for _, b := range buttons {
		if strings.EqualFold(b.label, label) {
			return s.act(ctx, b, slack.BlockAction{ActionID: b.actionID, Value: b.value})
		}
		labels = append(labels, "["+b.label+"]")
	}
	if len(labels) == 0 {
		s.say("No buttons shown yet.\n")
		return nil
	}
	s.say("No button %q; the last ones shown: %s\n", label, strings.Join(labels, " "))
	return nil
}

// submit fills in the form last opened, its inputs in order ("" keeps what
// the form holds), and sends it as Slack sends a submitted modal.
func (s *Shell) submit(ctx context.Context, arg string) error {
	env := s.id("env")
	s.c.mu.Lock()
	form := s.c.form
	s.c.formSent = env
	s.c.mu.Unlock()
	if form == nil {
		s.say("No form is open: /feedback alone opens one.\n")
		return nil
	}
	values := strings.Split(arg, "|")
	state := &slack.ViewState{Values: map[string]map[string]slack.BlockAction{}}
	i := 0
	for _, bl := range form.Blocks.BlockSet {
		in, ok := bl.(*slack.InputBlock)
		if !ok {
			continue
		}
		typed := ""
		if i < len(values) {
			typed = strings.TrimSpace(values[i])
		}
		i++
		var action slack.BlockAction
		switch e := in.Element.(type) {
		case *slack.PlainTextInputBlockElement:
			action.ActionID, action.Value = e.ActionID, e.InitialValue
			if typed != "" {
				action.Value = typed
			}
		case *slack.SelectBlockElement:
			action.ActionID = e.ActionID
			if e.InitialOption != nil {
				action.SelectedOption = *e.InitialOption
			}
			for _, o := range e.Options {
				if typed != "" && (strings.EqualFold(o.Value, typed) || (o.Text != nil && strings.EqualFold(o.Text.Text, typed))) {
					action.SelectedOption = *o
				}
			}
		default:
			continue
		}
		state.Values[in.BlockID] = map[string]slack.BlockAction{action.ActionID: action}
	}
	cb := slack.InteractionCallback{Type: slack.InteractionTypeViewSubmission}
	cb.User.ID, cb.Team.ID = s.user, TeamID
	cb.View = slack.View{CallbackID: form.CallbackID, PrivateMetadata: form.PrivateMetadata, State: state}
	return s.send(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
		Request: &socketmode.Request{Type: "interactive", EnvelopeID: env}})
}

// enterThread types in the thread of the last message in the channel (or
// the thread it is in); "off" goes back to the channel.
func (s *Shell) enterThread(arg string) {
	if arg == "off" {
		s.thread = ""
		s.say("You type in #%s.\n", s.chann)
		return
	}
	s.c.mu.Lock()
	var root string
	if msgs := s.c.messages[s.chann]; len(msgs) > 0 {
		last := msgs[len(msgs)-1]
		root = last.Timestamp
		if last.ThreadTimestamp != "" {
			root = last.ThreadTimestamp
		}
	}
	s.c.mu.Unlock()
	if root == "" {
		s.say("No message in #%s to reply to yet: type one first.\n", s.chann)
		return
	}
	s.thread = root
	s.say("You type in the thread of %s in #%s; :thread off leaves it.\n", root, s.chann)
}

// choose picks an option, by its label or value, in a menu of the last
// message that had buttons or menus (the card's "Set status…", say).
func (s *Shell) choose(ctx context.Context, arg string) error {
	s.c.mu.Lock()
	buttons := s.c.buttons
	s.c.mu.Unlock()
	var menus []string
	for _, b := range buttons {
		for _, o := range b.options {
			if o.Text != nil && (strings.EqualFold(o.Text.Text, arg) || strings.EqualFold(o.Value, arg) || strings.HasSuffix(o.Value, ":"+arg)) {
				return s.act(ctx, b, slack.BlockAction{ActionID: b.actionID, SelectedOption: *o})
			}
		}
		if len(b.options) > 0 {
			var names []string
			for _, o := range b.options {
				names = append(names, o.Text.Text)
			}
			menus = append(menus, "["+b.label+" ▾]: "+strings.Join(names, ", "))
		}
	}
	if len(menus) == 0 {
		s.say("No menu shown yet.\n")
		return nil
	}
	s.say("No option %q; the menus last shown: %s\n", arg, strings.Join(menus, "; "))
	return nil
}

// act sends a press or a choice on the control c, as Slack sends block_actions.
func (s *Shell) act(ctx context.Context, c press, action slack.BlockAction) error {
	cb := slack.InteractionCallback{Type: slack.InteractionTypeBlockActions, TriggerID: s.id("trigger")}
	cb.User.ID, cb.Team.ID, cb.Channel.ID = s.user, TeamID, c.channel
	cb.Container = slack.Container{Type: "message", MessageTs: c.ts, ChannelID: c.channel}
	cb.ActionCallback.BlockActions = []*slack.BlockAction{&action}
	return s.send(ctx, socketmode.Event{Type: socketmode.EventTypeInteractive, Data: cb,
		Request: &socketmode.Request{Type: "interactive", EnvelopeID: s.id("env")}})
}

// id is a fresh id with a prefix.
func (s *Shell) id(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s-%s-%d", prefix, s.session, s.seq)
}

// post records a message the person typed in the channel and returns its ts.
func (s *Shell) post(text string) string {
	s.c.mu.Lock()
	defer s.c.mu.Unlock()
	ts := s.c.nextTS()
	s.c.messages[s.chann] = append(s.c.messages[s.chann], slack.Message{Msg: slack.Msg{
		Channel: s.chann, Timestamp: ts, ThreadTimestamp: s.thread, Text: text, User: s.user}})
	return ts
}

// slash is a slash command envelope.
func (s *Shell) slash(command, text string) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeSlashCommand,
		Data:    slack.SlashCommand{Command: command, Text: text, UserID: s.user, ChannelID: s.chann, TeamID: TeamID, TriggerID: s.id("trigger")},
		Request: &socketmode.Request{Type: "slash_commands", EnvelopeID: s.id("env")}}
}

// event is an Events API envelope around inner.
func (s *Shell) event(inner any, typ string) socketmode.Event {
	return socketmode.Event{Type: socketmode.EventTypeEventsAPI,
		Data: slackevents.EventsAPIEvent{Type: slackevents.CallbackEvent, TeamID: TeamID,
			Data:       &slackevents.EventsAPICallbackEvent{Type: slackevents.CallbackEvent, TeamID: TeamID, EventID: s.id("Ev")},
			InnerEvent: slackevents.EventsAPIInnerEvent{Type: typ, Data: inner}},
		Request: &socketmode.Request{Type: "events_api", EnvelopeID: s.id("env")}}
}

// send hands evt to the bot and waits for its ack, then for the bot to be idle.
func (s *Shell) send(ctx context.Context, evt socketmode.Event) error {
	done := make(chan struct{})
	s.c.mu.Lock()
	s.c.acked[evt.Request.EnvelopeID] = done
	s.c.typedIn = s.chann
	s.c.mu.Unlock()
	select {
	case s.c.events <- evt:
	case <-ctx.Done():
		return nil
	}
	select {
	case <-done:
	case <-ctx.Done():
		return nil
	case <-time.After(ackWait):
		s.say("(no answer within %v)\n", ackWait)
	}
	deadline := time.Now().Add(idleWait)
	for {
		idle, err := s.bot.Idle(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			return fmt.Errorf("wait for the bot: %w", err)
		}
		if idle || ctx.Err() != nil {
			return nil
		}
		if time.Now().After(deadline) {
			s.say("(still working after %v; its messages will show when they are sent)\n", idleWait)
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}
