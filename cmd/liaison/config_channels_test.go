package main

import (
	"reflect"
	"testing"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/bot"
)

func TestChannelThreadsReachTheBot(t *testing.T) {
	path := writeFile(t, `
capture:
  channels:
    - channel: C0FEED
      mode: all
      threads: true
    - channel: C0IDEAS
      mode: prefix
      kind: feature
`)
	cfg, err := LoadConfig(path, validTokens)
	if err != nil {
		t.Fatal(err)
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("Validate: %v", err)
	}
	got := cfg.botConfig().Channels
	want := map[string]bot.ChannelRule{
		"C0FEED":  {Kind: backlog.KindFeedback, Threads: true},
		"C0IDEAS": {PrefixOnly: true, Kind: backlog.KindFeature}, // threads off unless set
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("channel rules = %+v, want %+v", got, want)
	}
}
