// Package testenv gives tests the real services they run against: a fresh
// Postgres schema or SQLite file per test, stripe-mock, signed Stripe events
// built from Stripe's own sample objects, and headless Chromium. Under
// CI=true a missing service fails the test instead of skipping it.
package testenv

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver, for schema set-up
)

// CI reports whether we run under CI, where nothing may skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Unavailable skips locally but fails under CI.
func Unavailable(t testing.TB, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if CI() {
		t.Fatalf("required test service unavailable under CI=true: %s", msg)
	}
	t.Skipf("test service unavailable (set CI=true to make this fail): %s", msg)
}

// PostgresURL is the server tests connect to; TEST_DATABASE_URL overrides.
func PostgresURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"
}

// PostgresSchema creates an empty schema for this test and returns a URL
// whose connections use it; the schema is dropped when the test ends.
func PostgresSchema(t testing.TB) string {
	t.Helper()
	base := PostgresURL()
	admin, err := sql.Open("pgx", base)
	if err != nil {
		Unavailable(t, "postgres: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		Unavailable(t, "postgres at %s: %v", base, err)
	}
	schema := "t_" + randomHex(8)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		admin.Close()
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// SQLitePath is a fresh database file in the test's temporary directory.
func SQLitePath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "donations.db")
}

// Databases lists the two databases every ledger test runs on.
var Databases = []string{"postgres", "sqlite"}

// DatabaseURLs returns (DATABASE_URL, SQLite path) for db.
func DatabaseURLs(t testing.TB, db string) (string, string) {
	t.Helper()
	if db == "postgres" {
		return PostgresSchema(t), ""
	}
	return "", SQLitePath(t)
}

// StripeMock starts Stripe's own mock server (pinned in go.mod as a tool)
// for this test and returns its base URL. A port taken between choosing it
// and binding it is retried on another.
func StripeMock(t testing.TB) string {
	t.Helper()
	bin, err := exec.Command("go", "tool", "-n", "stripe-mock").Output()
	if err != nil {
		Unavailable(t, "building stripe-mock with `go tool`: %v", err)
	}
	for attempt := 0; attempt < 3; attempt++ {
		addr := "127.0.0.1:" + freePort(t)
		// Its HTTPS side would take the fixed port 12112 unless told otherwise,
		// and two instances would collide on it.
		cmd := exec.Command(strings.TrimSpace(string(bin)), "-http-addr", addr, "-https-addr", "127.0.0.1:"+freePort(t))
		var out strings.Builder
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Start(); err != nil {
			Unavailable(t, "starting stripe-mock: %v", err)
		}
		exited := make(chan struct{})
		go func() { _ = cmd.Wait(); close(exited) }()
		t.Cleanup(func() { _ = cmd.Process.Kill(); <-exited })
		if waitListening(exited, addr, time.Minute) {
			return "http://" + addr
		}
		t.Logf("stripe-mock on %s did not start (attempt %d): %s", addr, attempt+1, out.String())
	}
	t.Fatal("stripe-mock did not start")
	return ""
}

// waitListening waits until addr accepts connections, or the process
// ends (exited closes), or the time is up.
func waitListening(exited <-chan struct{}, addr string, within time.Duration) bool {
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond); err == nil {
			c.Close()
			return true
		}
		select {
		case <-exited:
			return false
		case <-time.After(50 * time.Millisecond):
		}
	}
	return false
}

func freePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, port, _ := net.SplitHostPort(ln.Addr().String())
	return port
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// dataDir is this package's testdata folder, wherever the test runs from.
func dataDir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata")
}

// ForEachDB runs fn as a subtest on each database in Databases.
func ForEachDB(t *testing.T, fn func(t *testing.T, db string)) {
	t.Helper()
	for _, db := range Databases {
		t.Run(db, func(t *testing.T) { fn(t, db) })
	}
}
