package main

import (
	"context"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/handlers"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// serveHandler serves h on a loopback port until ctx ends.
func serveHandler(ctx context.Context, h http.Handler) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	srv := &http.Server{Handler: h}
	go func() { _ = srv.Serve(ln) }()
	go func() { <-ctx.Done(); _ = srv.Close() }()
	return "http://" + ln.Addr().String(), nil
}

// serveDemo serves the whole router in demo mode on store, in this
// process, and returns its address.
func serveDemo(ctx context.Context, cfg *config.Config, store *models.Store) (string, error) {
	demo, err := payments.NewDemo(cfg.BaseURL.String(), nil)
	if err != nil {
		return "", err
	}
	srv, err := handlers.New(handlers.Deps{Config: cfg, Store: store, Gateway: demo, Verifier: payments.NewVerifier(demo.Secret()),
		Demo: demo, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return "", err
	}
	return serveHandler(ctx, srv.Handler())
}

// load sends GETs to url from clients connections for d, and returns
// requests per second and the 50th and 99th percentile latencies (ms).
func load(url string, clients int, d time.Duration) (rps, p50, p99 float64, err error) {
	return loadWith(url, clients, d, nil, http.StatusOK)
}

// loadWith is load with request headers, every answer required to have
// status want.
func loadWith(url string, clients int, d time.Duration, header map[string]string, want int) (rps, p50, p99 float64, err error) {
	var mu sync.Mutex
	var lat []time.Duration
	var firstErr error
	deadline := time.Now().Add(d)
	var wg sync.WaitGroup
	tr := &http.Transport{MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients}
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	start := time.Now()
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []time.Duration
			for time.Now().Before(deadline) {
				t0 := time.Now()
				req, err := http.NewRequest("GET", url, nil)
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				for k, v := range header {
					req.Header.Set(k, v)
				}
				resp, err := client.Do(req)
				if err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != want {
						err = fmt.Errorf("status %d, want %d", resp.StatusCode, want)
					}
				}
				if err != nil {
					mu.Lock()
					firstErr = err
					mu.Unlock()
					return
				}
				mine = append(mine, time.Since(t0))
			}
			mu.Lock()
			lat = append(lat, mine...)
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	tr.CloseIdleConnections()
	if firstErr != nil {
		return 0, 0, 0, firstErr
	}
	if len(lat) == 0 {
		return 0, 0, 0, fmt.Errorf("no request completed")
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))]) / float64(time.Millisecond) }
	return float64(len(lat)) / elapsed.Seconds(), ms(0.50), ms(0.99), nil
}

// benchDonatePage: GET /donate through the whole router against the same
// bytes from a bare gin handler in the same process.
func benchDonatePage(ctx context.Context, work string, sz sizes) ([]row, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	env := map[string]string{"DATA_DIR": filepath.Join(work, "donate"), "SECRET_KEY": "0123456789abcdef0123456789abcdef", "LOG_LEVEL": "error"}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return nil, err
	}
	store, err := models.Open(ctx, models.Options{SQLitePath: cfg.SQLitePath()})
	if err != nil {
		return nil, err
	}
	defer store.Close()
	if _, err := store.Migrate(ctx); err != nil {
		return nil, err
	}
	ours, err := serveDemo(ctx, cfg, store)
	if err != nil {
		return nil, err
	}
	resp, err := http.Get(ours + "/donate")
	if err != nil {
		return nil, err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	// The baseline sends the same bytes the same way: the same headers
	// (the security headers, the CSRF cookie) and body, through the same
	// compression, to a client that asks for it as browsers do. What is
	// left between the two is what we do per request: middleware, the
	// form's token and cookie, metrics and the access log.
	headers := resp.Header.Clone()
	for _, h := range []string{"Date", "Content-Length", "Content-Encoding", "Vary"} {
		headers.Del(h)
	}
	bare := gin.New()
	bare.GET("/donate", func(c *gin.Context) {
		for k, v := range headers {
			c.Writer.Header()[k] = v
		}
		c.Data(200, "text/html; charset=utf-8", page)
	})
	bareCompressed, err := handlers.Compress(bare)
	if err != nil {
		return nil, err
	}
	base, err := serveHandler(ctx, bareCompressed)
	if err != nil {
		return nil, err
	}
	bRPS, bP50, bP99, err := load(base+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	oRPS, oP50, oP99, err := load(ours+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		return nil, err
	}
	// The same page in French, chosen from the browser's language: what
	// the language machinery costs a reader who is not the default's.
	frRPS, _, _, err := loadWith(ours+"/donate", sz.DonateClients, sz.Load, map[string]string{"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, http.StatusOK)
	if err != nil {
		return nil, fmt.Errorf("in French: %w", err)
	}
	wire, plain, third, err := pageWeight(ours, "/donate")
	if err != nil {
		return nil, err
	}
	return []row{
		{Name: fmt.Sprintf("GET /donate, %d connections", sz.DonateClients), Ours: oRPS, Baseline: bRPS, Unit: "req/s", Goal: "ratio ≥ 0.8", HigherIsBetter: true},
		{Name: "GET /donate p50 latency", Ours: oP50, Baseline: bP50, Unit: "ms", Goal: ""},
		{Name: fmt.Sprintf("GET /donate in French from Accept-Language, %d connections (baseline: in English)", sz.DonateClients), Ours: frRPS, Baseline: oRPS,
			Unit: "req/s", Goal: "ratio ≥ 0.9", HigherIsBetter: true},
		{Name: "GET /donate p99 latency", Ours: oP99, Baseline: bP99, Unit: "ms", Goal: "ratio ≥ 0.8"},
		{Name: "/donate and its assets, transferred (baseline: uncompressed)", Ours: wire / 1024, Baseline: plain / 1024, Unit: "KB",
			Goal: "under 50 KB"},
		{Name: "/donate's requests to other hosts", Ours: float64(third), Unit: "requests", Goal: "none"},
	}, nil
}

// pageAssets are what a browser loads with a page: stylesheets, icons,
// scripts and images (not the links a reader may follow).
var pageAssets = regexp.MustCompile(`<(?:link[^>]*\shref|script[^>]*\ssrc|img[^>]*\ssrc)="([^"]+)"`)

// pageWeight fetches a page and everything it loads as a browser would,
// compressed, and the same uncompressed: the bytes on the wire each way,
// and how many loads go to another host.
func pageWeight(base, path string) (wire, plain float64, thirdParty int, err error) {
	get := func(u string, gzip bool) ([]byte, error) {
		req, err := http.NewRequest("GET", u, nil)
		if err != nil {
			return nil, err
		}
		if gzip {
			req.Header.Set("Accept-Encoding", "gzip")
		}
		resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return nil, fmt.Errorf("GET %s: %s", u, resp.Status)
		}
		return io.ReadAll(resp.Body)
	}
	page, err := get(base+path, false)
	if err != nil {
		return 0, 0, 0, err
	}
	urls := []string{base + path}
	for _, m := range pageAssets.FindAllStringSubmatch(string(page), -1) {
		u := html.UnescapeString(m[1])
		if !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") {
			thirdParty++
			continue
		}
		urls = append(urls, base+u)
	}
	for _, u := range urls {
		z, err := get(u, true)
		if err != nil {
			return 0, 0, 0, err
		}
		p, err := get(u, false)
		if err != nil {
			return 0, 0, 0, err
		}
		wire, plain = wire+float64(len(z)), plain+float64(len(p))
	}
	return wire, plain, thirdParty, nil
}
