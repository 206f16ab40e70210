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
// downloaded; the time and the server's peak RSS are of the job alone, on
// a fresh server. Then the donate page is loaded as in the donate
// measurement on that server idle, and again while the same job runs a
// second time: donors must not feel finance's year end.
func statementsJob(ctx context.Context, bin, dbURL, session string, sz sizes, w io.Writer) (took time.Duration, rss, idleP99, busyP99, idleRPS, busyRPS float64, err error) {
	srv, err := startServer(ctx, bin, dbURL)
	if err != nil {
		return
	}
	defer srv.stop()
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(srv.base)
	jar.SetCookies(u, []*http.Cookie{{Name: "staff_session", Value: session}})
	client := &http.Client{Jar: jar, Timeout: 60 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	job := &statementsRun{ctx: ctx, client: client, base: srv.base}

	peak := watchPeak(srv.cmd.Process.Pid)
	start := time.Now()
	download, err := job.start()
	if err == nil {
		download, err = job.wait()
	}
	took, rss = time.Since(start), peak()
	if err != nil {
		return
	}
	resp, err := client.Get(srv.base + download)
	if err != nil {
		return
	}
	_, err = io.Copy(w, resp.Body)
	resp.Body.Close()
	if err == nil && resp.StatusCode != 200 {
		err = fmt.Errorf("download: status %d", resp.StatusCode)
	}
	if err != nil {
		return
	}

	// The donate page on the idle server, then again with the job running.
	idleRPS, _, idleP99, err = load(srv.base+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		err = fmt.Errorf("donate page, idle: %w", err)
		return
	}
	if _, err = job.start(); err != nil {
		return
	}
	busyRPS, _, busyP99, err = load(srv.base+"/donate", sz.DonateClients, sz.Load)
	if err != nil {
		err = fmt.Errorf("donate page during the job: %w", err)
		return
	}
	// The figure is only "during" if the job outlasted the load.
	if status, _, serr := job.state(); (serr != nil || status == "done") && sz.Statements >= 1000 {
		err = fmt.Errorf("the job ended (%v) before the donate page's %s under load did: use more donors", serr, sz.Load)
		return
	} // a smoke run's 20 donors take no time: its figures are only checked to exist
	_, err = job.wait()
	return
}

// statementsRun starts the statements job of 2026 and follows it.
type statementsRun struct {
	ctx    context.Context
	client *http.Client
	base   string
	page   string
}

func (j *statementsRun) start() (string, error) {
	resp, err := j.client.Get(j.base + "/admin/reports")
	if err != nil {
		return "", err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfToken.FindSubmatch(page)
	if m == nil {
		return "", fmt.Errorf("reports page: status %d, no form token", resp.StatusCode)
	}
	req, _ := http.NewRequestWithContext(j.ctx, http.MethodPost, j.base+"/admin/exports",
		strings.NewReader(url.Values{"csrf_token": {string(m[1])}, "kind": {"statements"}, "year": {"2026"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", j.base)
	resp, err = j.client.Do(req)
	if err != nil {
		return "", err
	}
	resp.Body.Close()
	j.page = resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || j.page == "" {
		return "", fmt.Errorf("starting the statements job: status %d", resp.StatusCode)
	}
	return j.page, nil
}

func (j *statementsRun) state() (status, download string, err error) {
	resp, err := j.client.Get(j.base + j.page + "/progress")
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

// wait polls until the job is done and returns its file's address.
func (j *statementsRun) wait() (string, error) {
	for {
		status, download, err := j.state()
		if err != nil || status == "done" {
			return download, err
		}
		time.Sleep(100 * time.Millisecond)
	}
}
