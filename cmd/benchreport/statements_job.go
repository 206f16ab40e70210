package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"time"
)

// runningServer is `donations serve` on a database, for a measurement.
type runningServer struct {
	base string
	cmd  *exec.Cmd
}

func startServer(ctx context.Context, bin, dbURL string) (*runningServer, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := exec.CommandContext(ctx, bin, "serve")
	serve.Env = append(os.Environ(), "DATABASE_URL="+dbURL, "ADDR="+addr, "BASE_URL=http://"+addr, "LOG_LEVEL=error", "METRICS_ADDR=off",
		"STRIPE_SECRET_KEY=", "RECONCILE_EVERY=off", "SECRET_KEY=0123456789abcdef0123456789abcdef")
	serve.Stdout, serve.Stderr = io.Discard, io.Discard
	if err := serve.Start(); err != nil {
		return nil, err
	}
	s := &runningServer{base: "http://" + addr, cmd: serve}
	if err := waitReady(s.base, 10*time.Millisecond, 30*time.Second); err != nil {
		s.stop()
		return nil, err
	}
	return s, nil
}

func (s *runningServer) stop() { _ = s.cmd.Process.Kill(); _ = s.cmd.Wait() }

var csrfToken = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// statementsJob measures the staff's statements zip as it is made now: a
// POST starts the job, its progress is polled until done, and the file
// downloaded. While it runs, the donate page is loaded as in the donate
// measurement, against the same page on the same server before the job:
// donors must not feel finance's year end.
func statementsJob(ctx context.Context, bin, dbURL, session string, donors int, sz sizes, w io.Writer) (took time.Duration, rss, idleP99, busyP99, idleRPS, busyRPS float64, err error) {
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return
	}
	defer srv.stop()
	idleRPS, _, idleP99, err = load(srv.base+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		err = fmt.Errorf("donate page, idle: %w", err)
		return
	}
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.base)
	jar.SetCookies(u, []*http.Cookie{{Name: "staff_session", Value: session}})
	client := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(srv.base + "/admin/reports")
	if err != nil {
		return
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfToken.FindSubmatch(page)
	if m == nil {
		err = fmt.Errorf("reports page: status %d, no form token", resp.StatusCode)
		return
	}
	peak := watchPeak(srv.cmd.Process.Pid)
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.base+"/admin/exports",
		strings.NewReader(url.Values{"csrf_token": {string(m[1])}, "kind": {"statements"}, "year": {"2026"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", srv.base)
	start := time.Now()
	resp, err = client.Do(req)
	if err != nil {
		peak()
		return
	}
	resp.Body.Close()
	jobPage := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || jobPage == "" {
		peak()
		err = fmt.Errorf("starting the statements job: status %d", resp.StatusCode)
		return
	}
	state := func() (status string, download string, err error) {
		resp, err := client.Get(srv.base + jobPage + "/progress")
		if err != nil {
			return "", "", err
		}
		defer resp.Body.Close()
		var v struct{ Status, Download, Error string }
		if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
			return "", "", err
		}
		if v.Status == "failed" {
			return "", "", fmt.Errorf("the statements job failed: %s", v.Error)
		}
		return v.Status, v.Download, nil
	}
	busyRPS, _, busyP99, err = load(srv.base+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		peak()
		err = fmt.Errorf("donate page during the job: %w", err)
		return
	}
	// The figure is only "during" if the job outlasted the load.
	if status, _, serr := state(); serr != nil || status == "done" {
		peak()
		err = fmt.Errorf("the job ended (%v) before the donate page's %s under load did: use more donors", serr, sz.Load)
		if sz.Statements >= 1000 {
			return
		}
		err = nil // a smoke run's 20 donors take no time: the figures are only checked to exist
	}
	var download string
	for {
		status, d, serr := state()
		if serr != nil {
			peak()
			err = serr
			return
		}
		if status == "done" {
			download = d
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	took, rss = time.Since(start), peak()
	resp, err = client.Get(srv.base + download)
	if err != nil {
		return
	}
	_, err = io.Copy(w, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("download: status %d", resp.StatusCode)
	}
	return
}
