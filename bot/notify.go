package bot

import (
	"fmt"

	"github.com/liaisonbot/liaison/backlog"
	"github.com/liaisonbot/liaison/storage"
)

// changeNotifier renders, for a change to an item, one reply in its source
// thread (naming no one) and one DM per follower, as the notify mode says.
// Keys make each message once per change per destination; they begin
// "event:", as the keys already in outboxes do.
func (b *Handlers) changeNotifier(reason string, into *backlog.Item) storage.Notifier {
	return func(it backlog.Item, followers []string, changeID int64) []storage.OutboxMessage {
		mode := b.cfg.NotifyMode
		if mode == "" {
			mode = "both"
		}
		thread, dm := changeTexts(it, reason, into)
		var out []storage.OutboxMessage
		if (mode == "thread" || mode == "both") && it.Source.Channel != "" && it.Source.TS != "" {
			ts := it.Source.ThreadTS
			if ts == "" {
				ts = it.Source.TS
			}
			out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:thread", changeID), ItemID: it.ID,
				Channel: it.Source.Channel, ThreadTS: ts, Text: thread, Lane: storage.LaneNotify})
		}
		if mode == "dm" || mode == "both" {
			for _, u := range followers {
				if !isUserID(u) {
					continue
				}
				out = append(out, storage.OutboxMessage{Key: fmt.Sprintf("event:%d:dm:%s", changeID, u), ItemID: it.ID,
					Channel: u, Text: dm, Lane: storage.LaneNotify})
			}
		}
		return out
	}
}

// changeTexts are the thread reply and the DM announcing an item's new state.
func changeTexts(it backlog.Item, reason string, into *backlog.Item) (thread, dm string) {
	name := fmt.Sprintf("*#%d* %s", it.ID, Escape(it.Title))
	switch {
	case it.Status == backlog.StatusDuplicate && into != nil:
		target := fmt.Sprintf("*#%d* %s", into.ID, Escape(into.Title))
		thread = fmt.Sprintf("%s was merged into %s. Votes and followers moved there.", name, target)
		dm = fmt.Sprintf("%s, which you follow, was merged into %s. Your vote moved there and you'll hear about it from now on.", name, target)
	case it.Status == backlog.StatusPlanned:
		thread = fmt.Sprintf("%s is now *planned*.", name)
		dm = fmt.Sprintf("Good news: %s, which you follow, is now *planned*.", name)
	case it.Status == backlog.StatusInProgress:
		thread = fmt.Sprintf("Work has started on %s.", name)
		dm = fmt.Sprintf("Work has started on %s, which you follow.", name)
	case it.Status == backlog.StatusShipped:
		thread = fmt.Sprintf("%s has *shipped* :tada:", name)
		dm = fmt.Sprintf("%s, which you follow, has *shipped* :tada:", name)
	case it.Status == backlog.StatusDeclined:
		thread = fmt.Sprintf("%s was *declined*: %s", name, Escape(reason))
		dm = fmt.Sprintf("%s, which you follow, was *declined*: %s", name, Escape(reason))
	default:
		thread = fmt.Sprintf("%s is now *%s*.", name, it.Status.Label())
		dm = thread
	}
	return thread, dm
}
