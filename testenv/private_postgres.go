package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// PrivatePostgres is a Postgres server of this test's own, so the test can
// stop and restart it without disturbing other tests that share the
// machine's server.
type PrivatePostgres struct {
	t       testing.TB
	bin     string
	dir     string
	port    string
	asUser  string
	started bool
}

// StartPrivatePostgres runs initdb into a temporary directory and starts a
// server on a free port (as the postgres user when run as root, since
// Postgres refuses to run as root).
func StartPrivatePostgres(t testing.TB) *PrivatePostgres {
	t.Helper()
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(bins) == 0 {
		if p, err := exec.LookPath("initdb"); err == nil {
			bins = []string{p}
		}
	}
	if len(bins) == 0 {
		Unavailable(t, "no initdb (apt-get install postgresql)")
	}
	sort.Strings(bins)
	p := &PrivatePostgres{t: t, bin: filepath.Dir(bins[len(bins)-1]), port: freePort(t)}
	dir, err := os.MkdirTemp("", "private-pg-")
	if err != nil {
		t.Fatal(err)
	}
	p.dir = dir
	t.Cleanup(func() { p.stop("immediate"); _ = os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			Unavailable(t, "running as root without a postgres user to run a private server")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		p.asUser = "postgres"
	}
	p.run("initdb", "-D", filepath.Join(dir, "data"), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
	p.Start()
	return p
}

func (p *PrivatePostgres) run(tool string, args ...string) {
	p.t.Helper()
	path := filepath.Join(p.bin, tool)
	var cmd *exec.Cmd
	if p.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", p.asUser, "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		p.t.Fatalf("%s %v: %v\n%s", tool, args, err, out)
	}
}

// URL connects to the private server's postgres database.
func (p *PrivatePostgres) URL() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%s/postgres?sslmode=disable", p.port)
}

// Start starts (or restarts after Stop) the server and waits for it.
func (p *PrivatePostgres) Start() {
	p.t.Helper()
	opts := fmt.Sprintf("-p %s -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200", p.port, p.dir)
	p.run("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-o", opts, "-l", filepath.Join(p.dir, "log"), "-w", "-t", "60", "start")
	p.started = true
}

// Stop shuts the server down (fast: connections are cut, as in an outage).
func (p *PrivatePostgres) Stop() { p.stop("fast") }

func (p *PrivatePostgres) stop(mode string) {
	if !p.started {
		return
	}
	p.started = false
	path := filepath.Join(p.bin, "pg_ctl")
	args := []string{"-D", filepath.Join(p.dir, "data"), "-m", mode, "-w", "-t", "60", "stop"}
	cmd := exec.Command(path, args...)
	if p.asUser != "" {
		cmd = exec.Command("runuser", append([]string{"-u", p.asUser, "--", path}, args...)...)
	}
	_ = cmd.Run()
	time.Sleep(100 * time.Millisecond)
}
