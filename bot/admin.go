package bot

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// groupCacheFor is how long the admin user group's members are remembered.
const groupCacheFor = 5 * time.Minute

// isAdmin reports whether user is a product owner: listed in the
// configuration or a member of the admin user group. When the group cannot
// be read it fails closed (not an admin) and logs why.
func (b *Bot) isAdmin(ctx context.Context, user string) bool {
	if slices.Contains(b.cfg.Admins, user) {
		return true
	}
	if b.cfg.AdminGroup == "" {
		return false
	}
	members, err := b.adminGroupMembers(ctx)
	if err != nil {
		b.log.Warn("admin user group unreadable; treating the user as no admin", "usergroup", b.cfg.AdminGroup, "user", user, "err", err)
		return false
	}
	return slices.Contains(members, user)
}

// adminGroupMembers returns the admin group's members, cached for five minutes.
func (b *Bot) adminGroupMembers(ctx context.Context) ([]string, error) {
	b.groupMu.Lock()
	defer b.groupMu.Unlock()
	if b.groupMembers != nil && time.Since(b.groupFetched) < groupCacheFor {
		return b.groupMembers, nil
	}
	members, err := b.api.GetUserGroupMembersContext(ctx, b.cfg.AdminGroup)
	if err != nil {
		if b.groupMembers != nil {
			b.log.Warn("refresh admin user group; using the last known members", "err", err)
			return b.groupMembers, nil
		}
		return nil, fmt.Errorf("read admin user group: %w", err)
	}
	b.groupMembers, b.groupFetched = members, time.Now()
	return members, nil
}

// canEstimate reports whether user may give effort estimates.
func (b *Bot) canEstimate(ctx context.Context, user string) bool {
	return slices.Contains(b.cfg.Team, user) || b.isAdmin(ctx, user)
}

// requireAdmin refuses a non-admin with a message saying who can do it.
func (b *Bot) requireAdmin(ctx context.Context, user, what string) error {
	if b.isAdmin(ctx, user) {
		return nil
	}
	return userErrorf("Only product owners can %s. %s", what, b.whoAreAdmins())
}

// whoAreAdmins names the admins without pinging anyone.
func (b *Bot) whoAreAdmins() string {
	var who []string
	for _, u := range b.cfg.Admins {
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
