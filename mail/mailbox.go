package mail

import (
	"context"
	"strconv"
	"sync"
	"time"
)

// Mailbox keeps the messages demo mode would have sent: with no SMTP
// server, a newcomer still reads their receipt and follows their sign-in
// link, on the demo mailbox page. It holds the newest Max, in memory (a
// demo's mail goes with the process, as its pretend money does).
type Mailbox struct {
	mu   sync.Mutex
	max  int
	next int
	msgs []Kept
	// owners: each visitor's mailbox id (a cookie made for it) and the
	// causes its browser made, so that on a demo others can reach, each
	// sees only their own mail.
	owners map[string]map[string]bool
}

// Kept is a message as the mailbox received it.
type Kept struct {
	ID string
	At time.Time
	Message
}

// NewMailbox keeps up to max messages.
func NewMailbox(max int) *Mailbox { return &Mailbox{max: max, owners: map[string]map[string]bool{}} }

// maxOwners bounds the visitors remembered: the oldest go first.
const maxOwners = 10000

// Own records that the visitor box caused cause (see Message.Cause).
func (b *Mailbox) Own(box, cause string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.owners[box] == nil {
		if len(b.owners) >= maxOwners {
			for k := range b.owners { // any one: a demo's visitors are few
				delete(b.owners, k)
				break
			}
		}
		b.owners[box] = map[string]bool{}
	}
	b.owners[box][cause] = true
}

// Visible reports whether visitor box may see m: every message when all
// is true (a demo on this machine only), else only what its browser
// caused, and never a sign-in link.
func (b *Mailbox) Visible(box string, m Kept, all bool) bool {
	if all {
		return true
	}
	if m.Cause == "" || m.Cause == CauseSignIn || box == "" {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.owners[box][m.Cause]
}

// Send keeps m: the mailbox is the demo's SMTP server.
func (b *Mailbox) Send(_ context.Context, m Message) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.next++
	b.msgs = append(b.msgs, Kept{ID: strconv.Itoa(b.next), At: time.Now(), Message: m})
	if len(b.msgs) > b.max {
		b.msgs = b.msgs[len(b.msgs)-b.max:]
	}
	return nil
}

// Messages lists what was kept, newest first.
func (b *Mailbox) Messages() []Kept {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]Kept, len(b.msgs))
	for i, m := range b.msgs {
		out[len(b.msgs)-1-i] = m
	}
	return out
}

// Message is one kept message, by id.
func (b *Mailbox) Message(id string) (Kept, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, m := range b.msgs {
		if m.ID == id {
			return m, true
		}
	}
	return Kept{}, false
}
