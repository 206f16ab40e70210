// Command benchreport measures the server against baselines run on the
// same machine in the same run, and prints one table: our figure, the
// baseline's, and the ratio. `make bench` runs it; -smoke runs every
// measurement at a tiny size (CI does, to keep them working).
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// row is one line of the table.
type row struct {
	Name           string
	Ours, Baseline float64
	Unit           string
	Goal           string
	HigherIsBetter bool
	Low, High      float64 // the spread over runs: of the ratio, or of Ours when there is no baseline
	Runs           int
}

// medianRows picks, for each row, the run whose ratio (or figure, for a
// row without a baseline) is the median, and records the spread. Two
// shared cores are noisy: one run's ratio can move by a quarter.
func medianRows(runs [][]row) []row {
	out := make([]row, 0, len(runs[0]))
	for i := range runs[0] {
		var same []row
		for _, r := range runs {
			if i < len(r) && r[i].Name == runs[0][i].Name {
				same = append(same, r[i])
			}
		}
		key := func(r row) float64 {
			if r.Baseline == 0 {
				return r.Ours
			}
			return r.ratio()
		}
		slices.SortFunc(same, func(a, b row) int { return cmp.Compare(key(a), key(b)) })
		m := same[len(same)/2]
		m.Low, m.High, m.Runs = key(same[0]), key(same[len(same)-1]), len(same)
		out = append(out, m)
	}
	return out
}

func (r row) ratio() float64 {
	if r.Baseline == 0 {
		return 0
	}
	if r.HigherIsBetter {
		return r.Ours / r.Baseline
	}
	return r.Baseline / r.Ours
}

// sizes are the workloads; smoke shrinks them.
type sizes struct {
	Load          time.Duration
	Webhooks      int
	Receipts      int
	Statements    int
	DonateClients int
	// The card-testing attacks: posts of the rotating bot, posts split
	// over two instances, how long the honest solver runs, and how many
	// challenges Chromium solves.
	CardPosts, SplitPosts int
	SolverFor             time.Duration
	Solves                int
	ImportGifts           int // past gifts brought in by donations import
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	smoke := fs.Bool("smoke", false, "tiny sizes, to check that every measurement works")
	pg := fs.String("pg", envOr("TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"), "Postgres to measure on")
	bin := fs.String("bin", "", "the donations binary (built when empty)")
	only := fs.String("only", "", "run only the measurements whose name contains this")
	statements := fs.Int("statements", 0, "donors for the statements measurement (0: 10,000, or 20 with -smoke)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file (go tool pprof)")
	runs := fs.Int("runs", 3, "run each measurement this many times; the table shows the median run and the spread")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		defer pprof.StopCPUProfile()
	}
	if *runs < 1 {
		fmt.Fprintln(stderr, "-runs must be at least 1")
		return 2
	}
	sz := sizes{Load: 5 * time.Second, Webhooks: 4000, Receipts: 1_000_000, Statements: 10_000, DonateClients: 64,
		CardPosts: 1000, SplitPosts: 200, SolverFor: 30 * time.Second, Solves: 40, ImportGifts: 30000}
	if *smoke {
		sz = sizes{Load: 300 * time.Millisecond, Webhooks: 100, Receipts: 2000, Statements: 20, DonateClients: 8,
			CardPosts: 40, SplitPosts: 20, SolverFor: 3 * time.Second, Solves: 3, ImportGifts: 300}
	}
	if *statements > 0 {
		sz.Statements = *statements
	}
	work, err := os.MkdirTemp("", "benchreport-")
	if err != nil {
		fmt.Fprintln(stderr, err)
		return 1
	}
	defer os.RemoveAll(work)
	if *bin == "" {
		*bin = filepath.Join(work, "donations")
		gomod, err := exec.Command("go", "env", "GOMOD").Output()
		if err != nil {
			fmt.Fprintf(stderr, "finding the module: %v\n", err)
			return 1
		}
		build := exec.Command("go", "build", "-trimpath", "-o", *bin, "./cmd/donations")
		build.Dir = filepath.Dir(strings.TrimSpace(string(gomod)))
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fmt.Fprintf(stderr, "building: %v\n%s", err, out)
			return 1
		}
	}
	var rows []row
	for _, m := range []struct {
		name string
		fn   func() ([]row, error)
		once bool // long and steady: one run is enough
	}{
		{"donate page", func() ([]row, error) { return benchDonatePage(ctx, work, sz) }, false},
		{"donate box", func() ([]row, error) { return benchBox(ctx, work, sz) }, false},
		{"webhook ingestion", func() ([]row, error) { return benchWebhooks(ctx, *pg, sz) }, false},
		{"receipts export", func() ([]row, error) { return benchExport(ctx, *pg, *bin, sz) }, false},
		// Statements are measured -runs times like the rest: issue 30's
		// goals for them are met or missed by a few per cent, which one
		// run cannot tell from noise.
		{"statements", func() ([]row, error) { return benchStatements(ctx, *pg, *bin, sz) }, false},
		{"footprint", func() ([]row, error) { return benchFootprint(ctx, *bin, work) }, false},
		{"card testing", func() ([]row, error) { return benchCardTesting(ctx, *pg, sz) }, true},
		{"history import", func() ([]row, error) { return benchImport(ctx, *pg, *bin, sz) }, true},
	} {
		if *only != "" && !strings.Contains(m.name, *only) {
			continue
		}
		var all [][]row
		n := *runs
		if m.once {
			n = 1
		}
		for i := 0; i < n; i++ {
			fmt.Fprintf(stderr, "measuring %s (run %d of %d)...\n", m.name, i+1, n)
			r, err := m.fn()
			if err != nil {
				fmt.Fprintf(stderr, "%s: %v\n", m.name, err)
				return 1
			}
			all = append(all, r)
		}
		rows = append(rows, medianRows(all)...)
	}
	fmt.Fprintf(stdout, "Machine: %d cores, %s/%s, %s\n\n", runtime.NumCPU(), runtime.GOOS, runtime.GOARCH, runtime.Version())
	fmt.Fprintf(stdout, "Each figure is the median of %d runs (card testing and the history import, minutes long: one); "+
		"spread is the lowest and highest ratio (or figure) of those runs.\n\n", *runs)
	fmt.Fprintln(stdout, "| measurement | ours | baseline | ratio | spread | goal |")
	fmt.Fprintln(stdout, "|---|---|---|---|---|---|")
	for _, r := range rows {
		base, ratio := "—", "—"
		if r.Baseline != 0 {
			base, ratio = fmt.Sprintf("%.4g %s", r.Baseline, r.Unit), fmt.Sprintf("%.2f", r.ratio())
		}
		spread := fmt.Sprintf("%.2f–%.2f", r.Low, r.High)
		if r.Baseline == 0 {
			spread = fmt.Sprintf("%.4g–%.4g", r.Low, r.High)
		}
		if r.Runs <= 1 {
			spread = "—"
		}
		fmt.Fprintf(stdout, "| %s | %.4g %s | %s | %s | %s | %s |\n", r.Name, r.Ours, r.Unit, base, ratio, spread, r.Goal)
	}
	return 0
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

func sanitize(s string) string { return strings.ReplaceAll(s, "|", "/") }
