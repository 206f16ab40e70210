package main

import (
	"archive/zip"
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/server"
	"github.com/indienews/donations/testenv"
)

// TestMain lets a test run this very binary as `donations serve` in a
// process of its own, which it can then kill without warning.
func TestMain(m *testing.M) {
	if os.Getenv("DONATIONS_TEST_AS_MAIN") == "1" {
		main()
	}
	os.Exit(m.Run())
}

// serveProcess starts `donations serve` as a separate process.
func serveProcess(t *testing.T, env map[string]string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "serve")
	cmd.Env = append(os.Environ(), "DONATIONS_TEST_AS_MAIN=1")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("server log:\n%s", logs.String())
		}
	})
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get("http://" + env["ADDR"] + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return cmd
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not start: %v\n%s", err, logs.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestKilledExportRestartsAndFinishes: the server making a year's
// statements is killed halfway (SIGKILL: no goodbye); the next one takes
// the job over once it is past the rescue time, starts the file again,
// and finishes it: one export, one file, every donor's PDF in it once.
func TestKilledExportRestartsAndFinishes(t *testing.T) {
	// Enough that the job is still running at its first progress write
	// (every 250 ms): 400 statements took under half a second once the
	// job stored its chunks while writing the next.
	const donors = 1500
	dbURL := testenv.PostgresSchema(t)
	addr := freeAddr(t)
	env := map[string]string{"DATABASE_URL": dbURL, "ADDR": addr, "METRICS_ADDR": "off", "DATA_DIR": t.TempDir(),
		"LOG_LEVEL": "warn", "SECRET_KEY": "kill-test-0123456789abcdefghijklmnop", "JOB_RESCUE_AFTER": "20s"}

	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	gifts := make([]seedGift, donors)
	for i := range gifts {
		gifts[i] = seedGift{fmt.Sprintf("Donor %d", i), fmt.Sprintf("d%d@example.com", i), 1000 + int64(i), at}
	}
	seed(t, env, gifts)
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	store, err := server.OpenStore(ctx, cfg, slog.New(slog.DiscardHandler), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.AddStaff(ctx, "finance@ledger.example", "a long test password", models.RoleStaff, models.CommandLine); err != nil {
		t.Fatal(err)
	}
	session, _, err := store.StaffSignIn(ctx, "finance@ledger.example", "a long test password", "127.0.0.1")
	store.Close()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	first := serveProcess(t, env)
	base := "http://" + addr
	client := browserClient()
	u, _ := url.Parse(base)
	client.Jar.SetCookies(u, []*http.Cookie{{Name: "staff_session", Value: session}})
	token := csrfToken(t, client, base+"/admin/reports")
	req, _ := http.NewRequest(http.MethodPost, base+"/admin/exports",
		strings.NewReader(url.Values{"csrf_token": {token}, "kind": {"statements"}, "year": {"2026"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", base)
	resp, err := client.Do(req)
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %v %v", resp, err)
	}
	resp.Body.Close()
	id := strings.TrimPrefix(resp.Header.Get("Location"), "/admin/exports/")

	state := func() (status string, done, total int64, attempt int) {
		t.Helper()
		if err := db.QueryRow("SELECT status, done, total, attempt FROM exports WHERE id = $1", id).Scan(&status, &done, &total, &attempt); err != nil {
			t.Fatal(err)
		}
		return
	}
	// Kill it a little way in: past the start, well before the end.
	deadline := time.Now().Add(60 * time.Second)
	for {
		status, done, total, _ := state()
		if status == models.ExportRunning && done >= 20 && done < total/2 {
			break
		}
		if status == models.ExportDone || time.Now().After(deadline) {
			t.Fatalf("could not catch the export halfway: %s %d/%d", status, done, total)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	_, doneAtKill, _, _ := state()
	var chunksAtKill int
	_ = db.QueryRow("SELECT COUNT(*) FROM export_chunks WHERE export_id = $1", id).Scan(&chunksAtKill)
	t.Logf("killed at %d of %d statements (%d chunks written)", doneAtKill, donors, chunksAtKill)

	serveProcess(t, env)
	deadline = time.Now().Add(120 * time.Second)
	for {
		status, done, total, attempt := state()
		if status == models.ExportDone {
			if done != donors || total != donors || attempt < 2 {
				t.Fatalf("finished %d of %d on attempt %d", done, total, attempt)
			}
			break
		}
		if status == models.ExportFailed || time.Now().After(deadline) {
			var reason string
			_ = db.QueryRow("SELECT error FROM exports WHERE id = $1", id).Scan(&reason)
			t.Fatalf("after the restart: %s %d/%d attempt %d: %s", status, done, total, attempt, reason)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The engine marks the job completed just after the work returns.
	var exports, jobs int
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		_ = db.QueryRow("SELECT COUNT(*) FROM exports").Scan(&exports)
		_ = db.QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'export' AND state = 'completed'").Scan(&jobs)
		if exports == 1 && jobs == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d exports, %d completed export jobs", exports, jobs)
		}
	}
	var allJobs int
	if err := db.QueryRow("SELECT COUNT(*) FROM river_job WHERE kind = 'export'").Scan(&allJobs); err != nil || allJobs != 1 {
		t.Fatalf("%d export jobs (%v)", allJobs, err)
	}
	resp, err = client.Get(base + "/admin/exports/" + id + "/file")
	if err != nil {
		t.Fatal(err)
	}
	zipped, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("download: %d %v", resp.StatusCode, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if err != nil {
		t.Fatalf("the file is not a whole zip: %v", err)
	}
	names := map[string]bool{}
	for _, f := range zr.File {
		if names[f.Name] || !strings.HasSuffix(f.Name, ".pdf") {
			t.Fatalf("%s twice, or not a PDF", f.Name)
		}
		names[f.Name] = true
	}
	if len(names) != donors {
		t.Fatalf("%d statements in the zip, want %d", len(names), donors)
	}
}
