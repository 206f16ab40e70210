package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

const drillSecret = "whsec_drill"

// giftStream posts signed, paid checkouts to the server at addr, one after
// another, until stop closes; acked counts the ones it took.
func giftStream(t *testing.T, addr string, acked *atomic.Int64, stop <-chan struct{}) *sync.WaitGroup {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			body := testenv.EventAt(t, fmt.Sprintf("evt_drill_%d", i), "checkout.session.completed",
				testenv.PaidSession(t, fmt.Sprintf("cs_drill_%d", i), "", fmt.Sprintf("d%d@example.com", i), int64(1000+i)), time.Now())
			req, _ := http.NewRequest("POST", "http://"+addr+"/webhooks/stripe", bytes.NewReader(body))
			req.Header.Set("Stripe-Signature", testenv.Sign(body, drillSecret, time.Now()))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Errorf("gift %d: %v", i, err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Errorf("gift %d: %s", i, resp.Status)
				return
			}
			acked.Add(1)
		}
	}()
	return &wg
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited a minute for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestRestoreDrill: a backup taken while gifts stream into a running
// server (a process of its own) restores into a fresh directory, where
// the books check clean and a server starts; it is never restored over a
// database by mistake, nor under a running server.
func TestRestoreDrill(t *testing.T) {
	mock := testenv.StripeMock(t)
	envOf := func(dir string) map[string]string {
		return map[string]string{"DATA_DIR": dir, "ADDR": freeAddr(t), "METRICS_ADDR": "off", "STRIPE_SECRET_KEY": "sk_test_drill",
			"STRIPE_WEBHOOK_SECRET": drillSecret, "STRIPE_API_BASE": mock, "RECONCILE_EVERY": "off"}
	}
	live := envOf(t.TempDir())
	serveProcess(t, live)
	var acked atomic.Int64
	stop := make(chan struct{})
	stream := giftStream(t, live["ADDR"], &acked, stop)
	waitFor(t, "30 gifts", func() bool { return acked.Load() >= 30 || t.Failed() })

	file := filepath.Join(t.TempDir(), "donations-backup.db")
	before := acked.Load()
	code, out, stderr := runCmd(t, live, "backup", file)
	after := acked.Load()
	if code != 0 || !strings.Contains(out, "intact") {
		t.Fatalf("backup: exit %d\n%s%s", code, out, stderr)
	}
	waitFor(t, "30 more gifts", func() bool { return acked.Load() >= after+30 || t.Failed() })
	close(stop)
	stream.Wait()
	if code, _, stderr := runCmd(t, live, "backup", file); code == 0 || !strings.Contains(stderr, "exists") {
		t.Fatalf("a backup over an existing file: exit %d %s", code, stderr)
	}

	// Never under the running server, with or without --replace.
	if code, _, stderr := runCmd(t, live, "restore", "--replace", file); code == 0 || !strings.Contains(stderr, "a server is running on it") {
		t.Fatalf("restore under a running server: exit %d %s", code, stderr)
	}

	fresh := envOf(t.TempDir())
	code, out, stderr = runCmd(t, fresh, "restore", file)
	if code != 0 || !strings.Contains(out, "nothing wrong") {
		t.Fatalf("restore into a fresh directory: exit %d\n%s%s", code, out, stderr)
	}
	// The copy holds what was acknowledged when it began, and perhaps a
	// little more, never anything half-written (check found no gap).
	var n int64
	fmt.Sscanf(out[strings.Index(out, ": ")+2:], "%d receipts", &n)
	if n < before || n > after+1 {
		t.Fatalf("the backup holds %d receipts; %d gifts were acknowledged when it began, %d when it ended\n%s", n, before, after, out)
	}
	if code, _, stderr := runCmd(t, fresh, "restore", file); code == 0 || !strings.Contains(stderr, "--replace") {
		t.Fatalf("a second restore over the restored database: exit %d %s", code, stderr)
	}
	code, out, stderr = runCmd(t, fresh, "restore", "--replace", file)
	if code != 0 || !strings.Contains(out, "kept the database it replaces as") {
		t.Fatalf("restore --replace: exit %d\n%s%s", code, out, stderr)
	}
	kept, _ := filepath.Glob(filepath.Join(fresh["DATA_DIR"], "donations.db.before-restore-*"))
	if len(kept) == 0 {
		t.Fatal("--replace did not keep the database it replaced")
	}
	// A server starts on the restored books and is ready.
	serveProcess(t, fresh)
	resp, err := http.Get("http://" + fresh["ADDR"] + "/readyz")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("readyz on the restored database: %v %v", resp, err)
	}
	resp.Body.Close()
	if code, out, _ := runCmd(t, fresh, "check"); code != 0 || !strings.Contains(out, fmt.Sprintf("%d receipts", n)) {
		t.Fatalf("check on the restored server's books: exit %d\n%s", code, out)
	}
	// Not a database at all: refused before anything is touched.
	junk := filepath.Join(t.TempDir(), "junk.db")
	os.WriteFile(junk, []byte("not a database, just some text"), 0o600)
	if code, _, stderr := runCmd(t, envOf(t.TempDir()), "restore", junk); code == 0 || !strings.Contains(stderr, "not a SQLite database") {
		t.Fatalf("restoring junk: exit %d %s", code, stderr)
	}
}

// TestPostgresDumpAndRestore runs the commands docs/operating.md gives
// for Postgres: pg_dump in its custom format, pg_restore into a new
// database, then donations check there. (The tests work in a schema of
// their own, so the dump names it with -n.)
func TestPostgresDumpAndRestore(t *testing.T) {
	for _, tool := range []string{"pg_dump", "pg_restore"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, "%s is not installed", tool)
		}
	}
	pg := testenv.PostgresSchema(t)
	env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": t.TempDir()}
	seed(t, env, []seedGift{
		{"Ann", "ann@example.com", 2500, time.Date(2026, 2, 1, 12, 0, 0, 0, time.UTC)},
		{"Bo", "bo@example.com", 4000, time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)},
	})
	u, _ := url.Parse(pg)
	schema := u.Query().Get("search_path")
	dump := filepath.Join(t.TempDir(), "donations.dump")
	if out, err := exec.Command("pg_dump", "--format=custom", "--file="+dump, "-n", schema, testenv.PostgresURL()).CombinedOutput(); err != nil {
		t.Fatalf("pg_dump: %v\n%s", err, out)
	}
	// A new database, as a restore onto a new server would have.
	admin, err := models.Open(context.Background(), models.Options{DatabaseURL: testenv.PostgresURL()})
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	name := "restore_" + strings.TrimPrefix(schema, "t_")
	if _, err := admin.SQL().Exec("CREATE DATABASE " + name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.SQL().Exec("DROP DATABASE " + name + " WITH (FORCE)") })
	target, _ := url.Parse(testenv.PostgresURL())
	target.Path = "/" + name
	if out, err := exec.Command("pg_restore", "--no-owner", "--dbname="+target.String(), dump).CombinedOutput(); err != nil {
		t.Fatalf("pg_restore: %v\n%s", err, out)
	}
	q := target.Query()
	q.Set("search_path", schema)
	target.RawQuery = q.Encode()
	code, out, stderr := runCmd(t, map[string]string{"DATABASE_URL": target.String(), "DATA_DIR": t.TempDir()}, "check")
	if code != 0 || !strings.Contains(out, "fiscal year 2026: 2 receipts") || !strings.Contains(out, "$65.00 receipted") {
		t.Fatalf("check after pg_restore: exit %d\n%s%s", code, out, stderr)
	}
}

// TestBusyMetricsPortDoesNotStopDonors: with METRICS_ADDR taken (as when
// Prometheus already listens there), the server starts and serves, and
// /readyz, still ready, says metrics are not served.
func TestBusyMetricsPortDoesNotStopDonors(t *testing.T) {
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	env := map[string]string{"DATA_DIR": t.TempDir(), "ADDR": "127.0.0.1:0", "METRICS_ADDR": taken.Addr().String()}
	base, stop, done := startServe(t, env)
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}()
	resp, err := http.Get(base + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Metrics are not served: "+taken.Addr().String()) {
		t.Fatalf("readyz with the metrics port taken: %d %s", resp.StatusCode, body)
	}
	if resp, err := http.Get(base + "/donate"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("the donate page with the metrics port taken: %v %v", resp, err)
	}
}
