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
}

// Kept is a message as the mailbox received it.
type Kept struct {
	ID string
	At time.Time
	Message
}

// NewMailbox keeps up to max messages.
func NewMailbox(max int) *Mailbox { return &Mailbox{max: max} }

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
