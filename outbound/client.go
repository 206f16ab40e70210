package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// Timeout bounds one delivery attempt, from dial to the last byte read.
const Timeout = 10 * time.Second

// MaxResponse is as much of an answer as we read: the status is what
// counts, the body only goes in the log.
const MaxResponse = 64 << 10

// Policy says which endpoints a client may reach.
type Policy struct {
	// HTTPSOnly refuses plain http (production).
	HTTPSOnly bool
	// AllowLoopback lets tests, and a developer with
	// OUTBOUND_ALLOW_LOOPBACK=true, post to a receiver on this machine. Off
	// by default; config refuses it in production.
	AllowLoopback bool
	// Resolver, when set, resolves names instead of the system's (tests).
	Resolver *net.Resolver
}

// ErrRefused is a URL or an address the policy does not allow.
var ErrRefused = errors.New("outbound: address not allowed")

// Client posts signed events under a Policy.
type Client struct {
	policy Policy
	http   *http.Client
}

// NewClient returns a client whose every connection is checked, after
// DNS resolution and right before connecting, against the addresses
// that lead inside our own network: a name that resolves to a public
// address when the endpoint is saved and to 127.0.0.1 at delivery
// (DNS rebinding) is refused all the same.
func NewClient(p Policy) *Client {
	dialer := &net.Dialer{
		Timeout:  Timeout,
		Resolver: p.Resolver,
		Control: func(network, address string, _ syscall.RawConn) error {
			return p.checkAddr(address)
		},
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would connect for us, past the check
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSHandshakeTimeout:   Timeout,
		ResponseHeaderTimeout: Timeout,
		MaxIdleConnsPerHost:   2,
		IdleConnTimeout:       90 * time.Second,
	}
	return &Client{policy: p, http: &http.Client{
		Transport: transport,
		Timeout:   Timeout,
		// A redirect is an answer that is not 2xx: the receiver's address
		// is the one registered, never one it points us to.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
}

// checkAddr refuses an "ip:port" the policy does not allow.
func (p Policy) checkAddr(address string) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q", ErrRefused, address)
	}
	return p.checkIP(ap.Addr())
}

// cgnat is the shared address space of carriers (RFC 6598), private too.
var cgnat = netip.MustParsePrefix("100.64.0.0/10")

func (p Policy) checkIP(ip netip.Addr) error {
	ip = ip.Unmap()
	switch {
	case ip.IsLoopback() && p.AllowLoopback:
		return nil
	case ip.IsLoopback(), ip.IsPrivate(), ip.IsLinkLocalUnicast(), ip.IsLinkLocalMulticast(),
		ip.IsInterfaceLocalMulticast(), ip.IsMulticast(), ip.IsUnspecified(), cgnat.Contains(ip),
		ip.Is4() && ip.As4()[0] == 0: // 0.0.0.0/8: "this network"
		return fmt.Errorf("%w: %s is not a public address", ErrRefused, ip)
	}
	return nil
}

// CheckURL says whether raw may be an endpoint: an absolute http(s) URL
// (https only under HTTPSOnly) with a host, no credentials, and, when the
// host is an IP address, a public one. Names are checked when connecting.
func (p Policy) CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return fmt.Errorf("%w: %q is not an absolute URL", ErrRefused, raw)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !p.HTTPSOnly:
	default:
		return fmt.Errorf("%w: %q: only https is allowed", ErrRefused, raw)
	}
	if u.User != nil {
		return fmt.Errorf("%w: %q carries credentials", ErrRefused, raw)
	}
	if ip, err := netip.ParseAddr(strings.Trim(u.Hostname(), "[]")); err == nil {
		return p.checkIP(ip)
	}
	return nil
}

// Delivery is one attempt at posting an event.
type Delivery struct {
	URL     string
	ID      string // webhook-id: the same on every attempt
	At      time.Time
	Body    []byte
	Secrets []string
}

// Result is what the endpoint answered.
type Result struct {
	StatusCode int
	Body       []byte // at most MaxResponse bytes
	Duration   time.Duration
}

// OK reports a 2xx answer: the only one that counts as delivered.
func (r Result) OK() bool { return r.StatusCode >= 200 && r.StatusCode < 300 }

// Send posts d once. A non-2xx answer is a Result, not an error; err is a
// refusal, a timeout or a failed connection.
func (c *Client) Send(ctx context.Context, d Delivery) (Result, error) {
	if err := c.policy.CheckURL(d.URL); err != nil {
		return Result{}, err
	}
	h, err := Headers(d.ID, d.At, d.Body, d.Secrets...)
	if err != nil {
		return Result{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return Result{}, fmt.Errorf("outbound: %w", err)
	}
	req.Header = h
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "donations-webhooks/1")
	start := time.Now()
	resp, err := c.http.Do(req)
	if err != nil {
		return Result{Duration: time.Since(start)}, fmt.Errorf("outbound: post %s: %w", d.ID, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxResponse))
	res := Result{StatusCode: resp.StatusCode, Body: body, Duration: time.Since(start)}
	if err != nil && res.OK() {
		// The status came; a body cut short does not undo the delivery.
		err = nil
	}
	return res, err
}
