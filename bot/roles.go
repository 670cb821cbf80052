package bot

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/slack-go/slack"
)

// Admin user group refresh.
const (
	groupCacheFor     = 5 * time.Minute        // members are re-read this often
	groupFetchTimeout = 5 * time.Second        // one read of the group
	groupFirstWait    = 500 * time.Millisecond // the most a check waits when nothing is known yet
	groupMaxBackoff   = 5 * time.Minute        // after failures, reads are spaced up to this
)

// isAdmin reports whether user is a product owner: listed in the
// configuration or a member of the admin user group (as last read; see roles).
func (b *Handlers) isAdmin(ctx context.Context, user string) bool {
	if slices.Contains(b.admins(), user) {
		return true
	}
	return b.roles.isMember(ctx, user)
}

// admins are the product owners named in the configuration (or, in the
// shell, chosen with :admin).
func (b *Handlers) admins() []string {
	if p := b.adminUsers.Load(); p != nil {
		return *p
	}
	return nil
}

// SetAdmins replaces the product owners named in the configuration: the
// shell's :admin, which makes the person typing one or not.
func (b *Handlers) SetAdmins(users []string) {
	users = slices.Clone(users)
	b.adminUsers.Store(&users)
}

// groupReader reads a user group's members.
type groupReader interface {
	GetUserGroupMembersContext(ctx context.Context, userGroup string, options ...slack.GetUserGroupMembersOption) ([]string, error)
}

// roles knows the members of the admin user group. They are read in the
// background (at start, then every groupCacheFor), one read at a time; a
// failure keeps the last known members and spaces the next read out. A
// check never waits on Slack, except for at most groupFirstWait while the
// very first read is under way.
type roles struct {
	api   groupReader
	group string
	log   *slog.Logger
	now   func() time.Time

	mu       sync.Mutex
	members  []string
	known    bool          // members were read at least once
	next     time.Time     // no read before this
	backoff  time.Duration // grows with each failure in a row
	fetching chan struct{} // closed when the read under way ends; nil when none
}

func newRoles(api groupReader, group string, log *slog.Logger) *roles {
	return &roles{api: api, group: group, log: log, now: time.Now}
}

// run reads the group at start and keeps it fresh until ctx ends.
func (r *roles) run(ctx context.Context) {
	if r.group == "" {
		return
	}
	t := time.NewTicker(groupCacheFor)
	defer t.Stop()
	for {
		r.refresh(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// refresh starts a read of the group unless one is under way or failures
// ask to wait; it returns the channel closed when the read under way ends
// (nil when none is).
func (r *roles) refresh(ctx context.Context) chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fetching != nil || r.now().Before(r.next) {
		return r.fetching
	}
	done := make(chan struct{})
	r.fetching = done
	go func() {
		defer close(done)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupFetchTimeout)
		members, err := r.api.GetUserGroupMembersContext(fctx, r.group)
		cancel()
		r.mu.Lock()
		defer r.mu.Unlock()
		r.fetching = nil
		if err != nil {
			r.backoff = min(max(2*r.backoff, 5*time.Second), groupMaxBackoff)
			r.next = r.now().Add(r.backoff)
			r.log.Warn("read admin user group; using the last known members", "usergroup", r.group, "known", r.known, "retry_in", r.backoff, "err", err)
			return
		}
		r.members, r.known, r.backoff = members, true, 0
		r.next = r.now().Add(groupCacheFor)
	}()
	return done
}

// isMember reports whether user is in the admin group, as last read. When
// the group was never read it waits briefly for the first read, then fails
// closed (not an admin).
func (r *roles) isMember(ctx context.Context, user string) bool {
	if r.group == "" {
		return false
	}
	r.mu.Lock()
	known, stale, members := r.known, !r.now().Before(r.next), r.members
	r.mu.Unlock()
	if stale {
		done := r.refresh(ctx)
		if !known && done != nil {
			t := time.NewTimer(groupFirstWait)
			select {
			case <-done:
			case <-t.C:
			case <-ctx.Done():
			}
			t.Stop()
			r.mu.Lock()
			known, members = r.known, r.members
			r.mu.Unlock()
		}
	}
	if !known {
		r.log.Warn("admin user group not read yet; treating the user as no admin", "usergroup", r.group, "user", user)
	}
	return slices.Contains(members, user)
}

// canEstimate reports whether user may give effort estimates.
func (b *Handlers) canEstimate(ctx context.Context, user string) bool {
	return slices.Contains(b.cfg.Team, user) || b.isAdmin(ctx, user)
}

// requireAdmin refuses a non-admin with a message saying who can do it.
func (b *Handlers) requireAdmin(ctx context.Context, user, what string) error {
	if b.isAdmin(ctx, user) {
		return nil
	}
	return userErrorf("Only product owners can %s. %s", what, b.whoAreAdmins())
}

// whoAreAdmins names the admins without pinging anyone.
func (b *Handlers) whoAreAdmins() string {
	var who []string
	for _, u := range b.admins() {
		who = append(who, userRef(u))
	}
	switch {
	case len(who) > 0 && b.cfg.AdminGroup != "":
		return fmt.Sprintf("Ask %s or a member of the product owners' user group.", strings.Join(who, ", "))
	case len(who) > 0:
		return fmt.Sprintf("Ask %s.", strings.Join(who, ", "))
	case b.cfg.AdminGroup != "":
		return "Ask a member of the product owners' user group."
	}
	return "No product owners are configured yet: set admins.users in Liaison's configuration."
}
