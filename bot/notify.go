package bot

import (
	"fmt"
	"strings"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// Notify modes: where followers hear of a change (SPEC §8a notify.mode).
const (
	NotifyThread = "thread" // in the source message's thread, naming no one
	NotifyDM     = "dm"     // a DM to each follower
	NotifyBoth   = "both"   // both; the default
	NotifyOff    = "off"    // nowhere
)

// NotifyModes lists the notify modes, for validation and help.
var NotifyModes = []string{NotifyThread, NotifyDM, NotifyBoth, NotifyOff}

// changeNotifier renders, for a change to an item, one reply in its source
// thread (naming no one) and one DM per follower, as the notify mode says;
// an item captured in a DM with Liaison gets no thread reply when
// followers hear by DM.
// Keys make each message once per change per destination; they begin
// "event:", as the keys already in outboxes do.
func (b *Handlers) changeNotifier(reason string, into *backlog.Item) storage.Notifier {
	return func(it backlog.Item, followers []string, changeID int64) []storage.OutboxMessage {
		mode := b.cfg.NotifyMode
		thread, dm := changeTexts(it, reason, into)
		var out []storage.OutboxMessage
		// A request made in a DM with Liaison has its thread in the
		// reporter's DM: with DMs on, that thread would say it twice there.
		inDM := strings.HasPrefix(it.Source.Channel, "D")
		if (mode == NotifyThread || mode == NotifyBoth && !inDM) && it.Source.Channel != "" && it.Source.TS != "" {
			ts := it.Source.ThreadTS
			if ts == "" {
				ts = it.Source.TS
			}
			out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:thread", changeID), ItemID: it.ID,
				Channel: it.Source.Channel, ThreadTS: ts, Text: thread, Lane: storage.LaneNotify})
		}
		if mode == NotifyDM || mode == NotifyBoth {
			for _, u := range followers {
				if !IsUserID(u) {
					continue
				}
				out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:dm:%s", changeID, u), ItemID: it.ID,
					Channel: u, Text: dm, Lane: storage.LaneNotify})
			}
		}
		return out
	}
}
