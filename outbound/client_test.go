package outbound_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/indienews/donations/outbound"
)

func TestClientPostsSignedEventsToAnAllowedReceiver(t *testing.T) {
	secret, _ := outbound.NewSecret()
	var got atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !verify(t, secret, r.Header.Get("webhook-id"), r.Header.Get("webhook-timestamp"), string(body), r.Header.Get("webhook-signature")) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		got.Add(1)
		w.Write([]byte(strings.Repeat("x", 1<<20))) // an answer far over the cap
	}))
	t.Cleanup(srv.Close)
	c := outbound.NewClient(outbound.Policy{AllowLoopback: true})
	res, err := c.Send(context.Background(), outbound.Delivery{URL: srv.URL, ID: "msg_1", At: time.Now(), Body: []byte(`{"type":"t"}`), Secrets: []string{secret}})
	if err != nil || !res.OK() || got.Load() != 1 {
		t.Fatalf("send: %v, %+v, received %d", err, res.StatusCode, got.Load())
	}
	if len(res.Body) != outbound.MaxResponse {
		t.Fatalf("read %d bytes of the answer, want the cap %d", len(res.Body), outbound.MaxResponse)
	}
}

func TestClientRefusesInsideAddresses(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	secret, _ := outbound.NewSecret()
	// A name that resolves to 127.0.0.1, from a DNS server of the test's
	// own: the check happens at connect time, so no name gets through.
	rebind := &net.Resolver{PreferGo: true, Dial: fakeDNS(t, netip.MustParseAddr("127.0.0.1"))}
	for _, tc := range []struct {
		name   string
		url    string
		policy outbound.Policy
	}{
		{"loopback literal", srv.URL, outbound.Policy{}},
		{"localhost", "http://localhost:" + port, outbound.Policy{}},
		{"name resolving to 127.0.0.1", "http://rebind.example:" + port, outbound.Policy{Resolver: rebind}},
		{"private", "http://10.0.0.1/", outbound.Policy{}},
		{"metadata service", "http://169.254.169.254/latest", outbound.Policy{}},
		{"unspecified", "http://0.0.0.0:" + port, outbound.Policy{}},
		{"mapped v6 loopback", "http://[::ffff:127.0.0.1]:" + port, outbound.Policy{}},
		{"v6 unique local", "http://[fd00::1]/", outbound.Policy{}},
		{"plain http in production", srv.URL, outbound.Policy{HTTPSOnly: true, AllowLoopback: true}},
		{"credentials", "https://u:p@example.org/", outbound.Policy{}},
		{"not a URL", "example.org/hook", outbound.Policy{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := outbound.NewClient(tc.policy)
			_, err := c.Send(context.Background(), outbound.Delivery{URL: tc.url, ID: "msg_x", At: time.Now(), Body: []byte("{}"), Secrets: []string{secret}})
			if !errors.Is(err, outbound.ErrRefused) {
				t.Fatalf("send to %s: %v, want refused", tc.url, err)
			}
		})
	}
	if hits.Load() != 0 {
		t.Fatalf("the receiver on loopback was reached %d times", hits.Load())
	}
	// The same name allowed to loopback does reach it: the refusal above
	// was the policy's, not a failed lookup.
	c := outbound.NewClient(outbound.Policy{Resolver: rebind, AllowLoopback: true})
	if res, err := c.Send(context.Background(), outbound.Delivery{URL: "http://rebind.example:" + port, ID: "msg_y", At: time.Now(), Body: []byte("{}"), Secrets: []string{secret}}); err != nil || !res.OK() {
		t.Fatalf("allowed send: %v %d", err, res.StatusCode)
	}
}

func TestCheckURL(t *testing.T) {
	prod := outbound.Policy{HTTPSOnly: true}
	for _, ok := range []string{"https://hooks.zapier.com/hooks/catch/1/abc/", "https://93.184.215.14/x"} {
		if err := prod.CheckURL(ok); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://example.org/", "ftp://example.org/", "https://127.0.0.1/", "https://[::1]/", "https:///x", "https://192.168.1.1/"} {
		if err := prod.CheckURL(bad); err == nil {
			t.Errorf("%s: allowed", bad)
		}
	}
}

// fakeDNS answers every A query with ip, over a net.Pipe: the resolver's
// Dial is how the Go resolver reaches its server. A pipe is no packet
// connection, so the resolver frames its queries as over TCP.
func fakeDNS(t *testing.T, ip netip.Addr) func(ctx context.Context, network, address string) (net.Conn, error) {
	return func(ctx context.Context, network, address string) (net.Conn, error) {
		client, server := net.Pipe()
		go func() {
			defer server.Close()
			for {
				msg, err := readDNS(server)
				if err != nil {
					return
				}
				var p dnsmessage.Parser
				h, err := p.Start(msg)
				if err != nil {
					return
				}
				q, err := p.Question()
				if err != nil {
					return
				}
				b := dnsmessage.NewBuilder(nil, dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true})
				b.EnableCompression()
				b.StartQuestions()
				b.Question(q)
				b.StartAnswers()
				if q.Type == dnsmessage.TypeA {
					b.AResource(dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 1}, dnsmessage.AResource{A: ip.As4()})
				}
				out, err := b.Finish()
				if err != nil {
					return
				}
				out = append([]byte{byte(len(out) >> 8), byte(len(out))}, out...)
				if _, err := server.Write(out); err != nil {
					return
				}
			}
		}()
		return client, nil
	}
}

func readDNS(c net.Conn) ([]byte, error) {
	var n [2]byte
	if _, err := io.ReadFull(c, n[:]); err != nil {
		return nil, err
	}
	msg := make([]byte, int(n[0])<<8|int(n[1]))
	_, err := io.ReadFull(c, msg)
	return msg, err
}
