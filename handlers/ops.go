package handlers

import (
	"sort"
	"sync"
	"sync/atomic"

	"github.com/gin-gonic/gin"
)

// problems are what the person running the server must hear of that does
// not stop donors giving: a metrics listener that could not open, say.
// /readyz lists them (and stays ready), the staff dashboard shows them.
type problems struct {
	mu sync.Mutex
	by map[string]string
}

// SetProblem records (or, with text "", clears) the problem named key.
func (s *Server) SetProblem(key, text string) {
	p := &s.problems
	p.mu.Lock()
	defer p.mu.Unlock()
	if text == "" {
		delete(p.by, key)
		return
	}
	if p.by == nil {
		p.by = map[string]string{}
	}
	p.by[key] = text
}

// Problems lists the problems now, by key.
func (s *Server) Problems() map[string]string {
	p := &s.problems
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]string, len(p.by))
	for k, v := range p.by {
		out[k] = v
	}
	return out
}

// problemTexts is Problems as sentences, in a stable order.
func (s *Server) problemTexts() []string {
	by := s.Problems()
	keys := make([]string, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = by[k]
	}
	return out
}

// draining is set when the server is about to stop: /readyz answers 503
// so load balancers move new requests elsewhere first.
type draining struct{ on atomic.Bool }

// SetDraining marks the server as stopping (or not).
func (s *Server) SetDraining(on bool) { s.draining.on.Store(on) }

// closeWhileDraining makes each answer while draining close its
// connection, so a balancer opens its next one elsewhere. Idle
// connections are not closed at once (as SetKeepAlivesEnabled(false)
// would): a balancer may be sending a POST on one at that moment, and it
// cannot retry it.
func (s *Server) closeWhileDraining(c *gin.Context) {
	if s.draining.on.Load() {
		c.Header("Connection", "close")
	}
	c.Next()
}
