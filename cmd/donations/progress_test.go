package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"

	"github.com/indienews/donations/testenv"
)

// runOnTerminal runs a command with stderr on a pseudo-terminal, as a
// person at a shell has it, and stdout captured as a pipe would be. It
// returns what the terminal showed.
func runOnTerminal(t *testing.T, env map[string]string, args ...string) (code int, stdout, terminal string) {
	t.Helper()
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatalf("pseudo-terminal: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	shown := make(chan string)
	go func() {
		b, _ := io.ReadAll(ptmx) // ends with EIO once the terminal's other end closes
		shown <- string(b)
	}()
	var out bytes.Buffer
	code = run(context.Background(), args, func(k string) string { return env[k] }, strings.NewReader(""), &out, tty)
	tty.Close()
	select {
	case s := <-shown:
		return code, out.String(), s
	case <-time.After(10 * time.Second):
		t.Fatal("the terminal did not close")
	}
	return
}

// TestProgressOnlyOnATerminal: receipts export, statements send and
// reconcile draw a progress bar on stderr when it is a terminal, and add
// nothing when it is redirected (a pipe or a file); stdout is the same
// data either way.
func TestProgressOnlyOnATerminal(t *testing.T) {
	pg, sqlitePath := testenv.DatabaseURLs(t, "sqlite")
	env := map[string]string{"DATABASE_URL": pg, "DATA_DIR": strings.TrimSuffix(sqlitePath, "/donations.db"), "LOG_LEVEL": "error"}
	at := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	seed(t, env, []seedGift{{"Ann", "ann@example.com", 1000, at}, {"Ann", "ann@example.com", 2000, at}, {"Bob", "bob@example.com", 500, at}})

	code, tout, shown := runOnTerminal(t, env, "receipts", "export", "--year", "2026")
	if code != 0 {
		t.Fatalf("export on a terminal: exit %d: %s", code, shown)
	}
	for _, want := range []string{"receipts", "100%", "3/3"} {
		if !strings.Contains(shown, want) {
			t.Errorf("the terminal lacks %q: %q", want, shown)
		}
	}
	code, pout, perr := runCmd(t, env, "receipts", "export", "--year", "2026")
	if code != 0 || perr != "" {
		t.Fatalf("export to a pipe: exit %d, stderr %q", code, perr)
	}
	if tout != pout || strings.Count(pout, "\n") != 4 {
		t.Fatalf("stdout differs with a terminal on stderr:\n%s\n---\n%s", tout, pout)
	}
	// Redirected to a file: a real file descriptor, but not a terminal.
	f, err := os.Create(filepath.Join(t.TempDir(), "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"statements", "send", "--year", "2026"}, func(k string) string { return env[k] }, strings.NewReader(""), &out, f); code != 0 {
		t.Fatalf("statements send: exit %d", code)
	}
	f.Close()
	if b, _ := os.ReadFile(f.Name()); len(b) != 0 || !strings.Contains(out.String(), "queued 2 statements") {
		t.Fatalf("statements send with stderr in a file wrote %q to it (stdout %q)", b, out.String())
	}
	code, _, shown = runOnTerminal(t, env, "statements", "send", "--year", "2026")
	if code != 0 || !strings.Contains(shown, "statements queued") || !strings.Contains(shown, "2/2") {
		t.Fatalf("statements send on a terminal: exit %d, %q", code, shown)
	}

	// reconcile: what is fetched from Stripe, page by page, then the
	// events applied.
	rec := testenv.NewRecorder(t, testenv.StripeMock(t))
	env["STRIPE_SECRET_KEY"], env["STRIPE_WEBHOOK_SECRET"], env["STRIPE_API_BASE"] = "sk_test_123", "whsec_x", rec.URL
	code, rout, shown := runOnTerminal(t, env, "reconcile", "--since", "24h")
	if code != 0 || !strings.Contains(shown, "events applied") || !strings.Contains(shown, "1/1") {
		t.Fatalf("reconcile on a terminal: exit %d, %q", code, shown)
	}
	if !strings.Contains(rout, "seen 1,") {
		t.Fatalf("reconcile's summary: %q", rout)
	}
	if code, _, rerr := runCmd(t, env, "reconcile", "--since", "24h"); code != 0 || rerr != "" {
		t.Fatalf("reconcile to a pipe: exit %d, stderr %q", code, rerr)
	}
}
