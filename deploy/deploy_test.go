package deploy_test

import (
	"bufio"
	"bytes"
	"debug/elf"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// nobody is the unprivileged user the image's binary is run as here
// (distroless's nonroot is 65532; any uid without a home or files will do).
const nobody = 65534

// workDir holds the binary built as the Dockerfile builds it, shared by
// the tests and removed when they end. It is 0755 and root's: nobody may
// read and run what is in it, never write there.
var workDir string

func TestMain(m *testing.M) {
	code := m.Run()
	if workDir != "" {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

var build struct {
	once sync.Once
	bin  string
	err  error
}

// builtBinary runs the Dockerfile's `go build` line, as written there, from
// the repository root into workDir, once.
func builtBinary(t *testing.T) string {
	t.Helper()
	build.once.Do(func() { build.bin, build.err = buildAsDockerfile() })
	if build.err != nil {
		t.Fatal(build.err)
	}
	return build.bin
}

func buildAsDockerfile() (string, error) {
	env, args, err := dockerfileGoBuild("Dockerfile")
	if err != nil {
		return "", err
	}
	if workDir, err = os.MkdirTemp("", "donations-deploy-"); err != nil {
		return "", err
	}
	if err := os.Chmod(workDir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(workDir, "donations")
	out := -1
	for i, a := range args {
		if a == "-o" && i+1 < len(args) {
			out = i + 1
		}
	}
	if out < 0 {
		return "", fmt.Errorf("Dockerfile: the go build line has no -o OUTPUT: %q", args)
	}
	args[out] = bin
	goTool, err := exec.LookPath("go")
	if err != nil {
		return "", err
	}
	cmd := exec.Command(goTool, args[1:]...)
	cmd.Dir = ".." // the repository root, the image's build context
	cmd.Env = append(os.Environ(), env...)
	if b, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("%s %s (as in the Dockerfile): %v\n%s", strings.Join(env, " "), strings.Join(args, " "), err, b)
	}
	return bin, nil
}

// dockerfileGoBuild finds the one RUN instruction that runs `go build` and
// splits it into the environment it sets and the command's words.
func dockerfileGoBuild(path string) (env, args []string, err error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	// Join continued lines, drop comments.
	var instrs []string
	var cur strings.Builder
	for _, line := range strings.Split(string(src), "\n") {
		trimmed := strings.TrimSpace(line)
		if strings.HasPrefix(trimmed, "#") {
			continue
		}
		if strings.HasSuffix(trimmed, `\`) {
			cur.WriteString(strings.TrimSuffix(trimmed, `\`) + " ")
			continue
		}
		cur.WriteString(trimmed)
		instrs = append(instrs, cur.String())
		cur.Reset()
	}
	var run []string
	for _, in := range instrs {
		fields := strings.Fields(in)
		if len(fields) > 0 && strings.EqualFold(fields[0], "RUN") && strings.Contains(in, "go build") {
			run = append(run, strings.TrimSpace(in[len(fields[0]):]))
		}
	}
	if len(run) != 1 {
		return nil, nil, fmt.Errorf("%s: want one RUN with go build, found %d", path, len(run))
	}
	words, err := shellWords(run[0])
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %v in %q", path, err, run[0])
	}
	for len(words) > 0 && strings.HasPrefix(words[0], "--") { // RUN --mount=... and the like
		words = words[1:]
	}
	assign := regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)
	for len(words) > 0 && assign.MatchString(words[0]) {
		env, words = append(env, words[0]), words[1:]
	}
	if len(words) < 2 || words[0] != "go" || words[1] != "build" {
		return nil, nil, fmt.Errorf("%s: the RUN line must be [VAR=value...] go build ..., got %q", path, run[0])
	}
	return env, words, nil
}

// shellWords splits a command line as sh would split a simple command:
// quotes and backslashes, no expansions; control operators are refused,
// since only that one command is run here.
func shellWords(s string) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			if inWord {
				words, inWord = append(words, w.String()), false
				w.Reset()
			}
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return nil, fmt.Errorf("unclosed '")
			}
			w.WriteString(s[i+1 : i+1+j])
			i, inWord = i+1+j, true
		case c == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0 {
					i++
				}
				w.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, fmt.Errorf(`unclosed "`)
			}
			inWord = true
		case c == '\\' && i+1 < len(s):
			i++
			w.WriteByte(s[i])
			inWord = true
		case strings.IndexByte(";&|<>()`$", c) >= 0:
			return nil, fmt.Errorf("shell syntax %q: keep the go build line a single command", c)
		default:
			w.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

func TestSystemdUnitVerifies(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		testenv.Unavailable(t, "systemd-analyze (Debian package systemd): %v", err)
	}
	unit, err := os.ReadFile("donations.service")
	if err != nil {
		t.Fatal(err)
	}
	// The settings this unit is for; a later edit must not lose one.
	for _, want := range []string{
		"ExecStart=/usr/local/bin/donations serve",
		"EnvironmentFile=/etc/donations/env",
		"DynamicUser=yes",
		"StateDirectory=donations",
		"Environment=DATA_DIR=/var/lib/donations",
		"ProtectSystem=strict",
		"ProtectHome=yes",
		"PrivateTmp=yes",
		"PrivateDevices=yes",
		"NoNewPrivileges=yes",
		"CapabilityBoundingSet=",
		"RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX",
		"SystemCallFilter=@system-service",
		"Restart=on-failure",
		"KillSignal=SIGTERM",
	} {
		if !hasLine(unit, want) {
			t.Errorf("donations.service has no line %q", want)
		}
	}
	if hasPrefixLine(unit, "ExecStartPre=") {
		t.Error("donations.service has ExecStartPre=: serve migrates by itself, under a lock")
	}
	if stop := lineValue(unit, "TimeoutStopSec="); stop == "" {
		t.Error("donations.service has no TimeoutStopSec=")
	} else if d, err := time.ParseDuration(stop); err != nil || d < 45*time.Second {
		// Requests in flight get 20 s, then running jobs 20 s.
		t.Errorf("TimeoutStopSec=%s: want at least 45s (a parseable Go duration) for the graceful stop", stop)
	}

	// verify checks that ExecStart's binary exists and is executable: point
	// it at the one the Dockerfile's build makes, and keep the rest.
	bin := builtBinary(t)
	copyPath := filepath.Join(t.TempDir(), "donations.service")
	rewritten := bytes.Replace(unit, []byte("ExecStart=/usr/local/bin/donations serve"), []byte("ExecStart="+bin+" serve"), 1)
	if err := os.WriteFile(copyPath, rewritten, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", copyPath).CombinedOutput()
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		switch {
		case line == "":
		case strings.Contains(line, "donations.service") || strings.Contains(line, copyPath) || strings.Contains(line, bin):
			t.Errorf("systemd-analyze verify: %s", line)
		default:
			t.Logf("systemd-analyze verify (not about this unit): %s", line)
		}
	}
	if err != nil {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}

	// And its own score of the sandbox: 0 is locked down, 10 is none at
	// all. Above 2.0 ("OK" ends at 4.9) means a hardening line was lost.
	out, err = exec.Command(analyze, "security", "--offline=true", "--threshold=20", copyPath).CombinedOutput()
	if err != nil {
		t.Errorf("systemd-analyze security: exposure above 2.0 (%v):\n%s", err, out)
	} else {
		t.Logf("systemd-analyze security: %s", lastLine(out))
	}
}

func TestDockerfileBinaryRunsAsNonRootOnAReadOnlyRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		testenv.Unavailable(t, "root, to run the binary as nobody in a mount namespace with a read-only root")
	}
	for _, tool := range []string{"setpriv", "sh", "env"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, "%s (util-linux, coreutils): %v", tool, err)
		}
	}
	bin := builtBinary(t)

	// distroless has no libc and no loader: the binary must need neither.
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Error("the binary asks for a dynamic loader (PT_INTERP): it would not start on distroless/static")
		}
	}
	if libs, err := f.ImportedLibraries(); err != nil || len(libs) > 0 {
		t.Errorf("the binary needs shared libraries %q (%v): want none", libs, err)
	}
	if f.Section(".symtab") != nil || f.Section(".debug_info") != nil {
		t.Error("the binary keeps its symbol table or DWARF: -ldflags=\"-s -w\" did not apply")
	}
	f.Close()

	sandbox, err := os.MkdirTemp("", "donations-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(sandbox) })
	if err := os.Chmod(sandbox, 0o755); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(sandbox, "data")
	if err := os.Mkdir(data, 0o700); err != nil {
		t.Fatal(err)
	}
	// Only nobody may write DATA_DIR, as the image's /data is nonroot's.
	if err := os.Chown(data, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:" + freePort(t)

	// A private mount namespace where / is remounted read-only, except
	// DATA_DIR (bound onto itself first, so it stays a writable mount);
	// then down to nobody with no capabilities and no way back
	// (setpriv), and exec of the server with nothing in its environment
	// but the three settings: no Stripe key, so development's demo mode
	// on loopback, on the embedded SQLite file. unshare, sh, setpriv and
	// env each exec the next: the server keeps the process id we started.
	const script = `set -e
data=$1 bin=$2 addr=$3
priv="--reuid=$4 --regid=$4 --clear-groups --no-new-privs --bounding-set=-all --inh-caps=-all"
if [ "$READ_ONLY_ROOT" = yes ]; then
	mount --bind "$data" "$data"
	mount -o remount,bind,ro /
	if touch /.donations-probe 2>/dev/null; then rm -f /.donations-probe; echo "root can still write /" >&2; exit 97; fi
fi
setpriv $priv -- touch "$data/.probe" || { echo "nobody cannot write DATA_DIR" >&2; exit 96; }
rm "$data/.probe"
if setpriv $priv -- touch "${bin%/*}/.probe" 2>/dev/null; then echo "nobody can write beside the binary" >&2; exit 98; fi
exec setpriv $priv -- env -i DATA_DIR="$data" ADDR="$addr" METRICS_ADDR=off "$bin" serve
`
	shArgs := []string{"sh", "-c", script, "sh", data, bin, addr, strconv.Itoa(nobody)}
	readOnlyRoot := true
	if out, err := exec.Command("unshare", "--mount", "--propagation", "private", "--", "mount", "-o", "remount,bind,ro", "/").CombinedOutput(); err != nil {
		// Fallback where mount namespaces are not allowed (a container
		// without CAP_SYS_ADMIN): still nobody, with the working directory
		// and the binary's directory read-only to it and DATA_DIR the one
		// directory of ours it can write; the root itself stays writable
		// by root, so that part is not shown.
		readOnlyRoot = false
		t.Logf("no private mount namespace here (unshare: %v: %s): running as nobody without a read-only root", err, bytes.TrimSpace(out))
	}
	var cmd *exec.Cmd
	if readOnlyRoot {
		cmd = exec.Command("unshare", append([]string{"--mount", "--propagation", "private", "--"}, shArgs...)...)
	} else {
		cmd = exec.Command(shArgs[0], shArgs[1:]...)
	}
	cmd.Dir = workDir // no .env here, and nothing nobody can write
	cmd.Env = []string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "READ_ONLY_ROOT=" + map[bool]string{true: "yes", false: "no"}[readOnlyRoot]}
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			cmd.Process.Kill()
			<-exited
		}
	})

	// Ready: migrated its database in DATA_DIR and answering.
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case err := <-exited:
			stopped = true
			t.Fatalf("the server exited before it was ready (%v):\n%s", err, logs.String())
		default:
		}
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 within 60s (last: %v):\n%s", statusOrErr(resp, err), logs.String())
		}
		time.Sleep(100 * time.Millisecond)
	}

	pid := strconv.Itoa(cmd.Process.Pid)
	if comm, err := os.ReadFile("/proc/" + pid + "/comm"); err != nil || strings.TrimSpace(string(comm)) != "donations" {
		t.Fatalf("process %s is %q (%v), not the server", pid, comm, err)
	}
	status, err := os.ReadFile("/proc/" + pid + "/status")
	if err != nil {
		t.Fatal(err)
	}
	n := strconv.Itoa(nobody)
	for field, want := range map[string]string{
		"Uid":    n + "\t" + n + "\t" + n + "\t" + n,
		"Gid":    n + "\t" + n + "\t" + n + "\t" + n,
		"Groups": "",
		"CapEff": "0000000000000000",
		"CapPrm": "0000000000000000",
		"CapBnd": "0000000000000000",
	} {
		if got := statusField(status, field); got != want {
			t.Errorf("the server's %s: %q, want %q", field, got, want)
		}
	}
	if readOnlyRoot {
		mounts, err := os.ReadFile("/proc/" + pid + "/mountinfo")
		if err != nil {
			t.Fatal(err)
		}
		if opts, ok := mountOptions(mounts, "/"); !ok || !hasOption(opts, "ro") {
			t.Errorf("the server's / is mounted %q, want ro", opts)
		}
		if opts, ok := mountOptions(mounts, data); !ok || !hasOption(opts, "rw") {
			t.Errorf("the server's DATA_DIR is mounted %q (found: %v), want rw", opts, ok)
		}
	}
	db, err := os.Stat(filepath.Join(data, "donations.db"))
	if err != nil {
		t.Fatalf("no SQLite file in DATA_DIR: %v", err)
	}
	if st := db.Sys().(*syscall.Stat_t); st.Uid != nobody {
		t.Errorf("donations.db belongs to uid %d, want %d", st.Uid, nobody)
	}

	// A deploy's stop: SIGTERM, a graceful shutdown, exit 0.
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-exited:
		stopped = true
		if err != nil {
			t.Fatalf("after SIGTERM the server exited with %v, want 0:\n%s", err, logs.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatalf("the server did not exit within 20s of SIGTERM:\n%s", logs.String())
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

func statusOrErr(resp *http.Response, err error) string {
	if err != nil {
		return err.Error()
	}
	return resp.Status
}

// statusField is a /proc/PID/status field's value, tabs kept.
func statusField(status []byte, name string) string {
	sc := bufio.NewScanner(bytes.NewReader(status))
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && k == name {
			return strings.TrimSpace(v)
		}
	}
	return "(none)"
}

// mountOptions reads the per-mount options of the last mount at target in
// a /proc/PID/mountinfo (the last one is on top).
func mountOptions(mountinfo []byte, target string) (string, bool) {
	opts, found := "", false
	for _, line := range strings.Split(string(mountinfo), "\n") {
		if f := strings.Fields(line); len(f) > 5 && f[4] == target {
			opts, found = f[5], true
		}
	}
	return opts, found
}

func hasOption(opts, want string) bool {
	for _, o := range strings.Split(opts, ",") {
		if o == want {
			return true
		}
	}
	return false
}

func hasLine(text []byte, want string) bool {
	for _, l := range strings.Split(string(text), "\n") {
		if strings.TrimSpace(l) == want {
			return true
		}
	}
	return false
}

func hasPrefixLine(text []byte, prefix string) bool {
	for _, l := range strings.Split(string(text), "\n") {
		if strings.HasPrefix(strings.TrimSpace(l), prefix) {
			return true
		}
	}
	return false
}

func lineValue(text []byte, prefix string) string {
	for _, l := range strings.Split(string(text), "\n") {
		if l = strings.TrimSpace(l); strings.HasPrefix(l, prefix) {
			return strings.TrimPrefix(l, prefix)
		}
	}
	return ""
}

func lastLine(b []byte) string {
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	return lines[len(lines)-1]
}

// syncBuffer collects the server's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
