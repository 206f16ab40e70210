package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/indienews/donations/documents"
	"github.com/indienews/donations/models"
)

// benchStatements: year-end statement PDFs for n donors, against the same
// writer setting the same words, in the regular font, on a plain page.
// One donor in fifty has a name in Chinese, Japanese or Korean script,
// which needs the large fallback font. Then the whole path: n seeded
// donors' statements read from Postgres, rendered and zipped by the real
// server as staff download them, with the server's peak RSS.
func benchStatements(ctx context.Context, pg, bin string, sz sizes) ([]row, error) {
	r := documents.New("https://news.example", nil)
	var receipts []models.Receipt
	for i := 0; i < 12; i++ {
		receipts = append(receipts, models.Receipt{Number: fmt.Sprintf("2026-%06d", i+1), Status: models.ReceiptIssued,
			Amount: 1500, DeductibleAmount: 1500, Currency: "usd", GiftDate: time.Date(2026, time.Month(i+1), 3, 0, 0, 0, 0, time.UTC)})
	}
	// Each donor a different name and address, as in a real run: the glyphs
	// a statement's regular font needs differ from one to the next (its
	// bold labels do not), and one in fifty is in CJK script.
	statement := func(i int) documents.Statement {
		name := benchFirstNames[i%len(benchFirstNames)] + " " + benchLastNames[(i/len(benchFirstNames))%len(benchLastNames)]
		if i%50 == 49 {
			name = benchCJKNames[(i/50)%len(benchCJKNames)]
		}
		return documents.Statement{Org: models.Org{Name: "The Ledger", Address: "1 Press St", TaxID: "12-3456789"},
			DonorName: name, DonorAddress: fmt.Sprintf("%d %s, %s", 1+i%997, benchStreets[i%len(benchStreets)], benchTowns[i%len(benchTowns)]),
			FiscalYear: 2026, Receipts: receipts}
	}
	// The fonts are parsed once per process, on first use (the CJK ones
	// take a few hundred milliseconds): warm both paths before timing.
	for _, w := range []int{0, 49} {
		if err := r.Statement(io.Discard, statement(w)); err != nil {
			return nil, err
		}
		if err := r.PlainPage(io.Discard, r.StatementLines(statement(w))); err != nil {
			return nil, err
		}
	}
	// The baseline sets the very words each statement prints, in one
	// font, without the layout.
	i := 0
	ours, err := perSecond(sz.Statements, func() error {
		i++
		return r.Statement(io.Discard, statement(i))
	})
	if err != nil {
		return nil, err
	}
	i = 0
	base, err := perSecond(sz.Statements, func() error {
		i++
		return r.PlainPage(io.Discard, r.StatementLines(statement(i)))
	})
	if err != nil {
		return nil, err
	}

	// The whole path, through the staff area's statements zip.
	store, dbURL, _, drop, err := freshStore(ctx, pg)
	if err != nil {
		return nil, err
	}
	defer drop()
	err = seedDonors(ctx, store, sz.Statements, 12, 2026)
	if err == nil {
		_, err = store.AddStaff(ctx, "bench@example.org", "a bench password only", models.RoleAdmin, models.CommandLine)
	}
	var session string
	if err == nil {
		session, _, err = store.StaffSignIn(ctx, "bench@example.org", "a bench password only", "127.0.0.1")
	}
	store.Close()
	if err != nil {
		return nil, err
	}
	var zipped zipTail
	took, rss, idleP99, busyP99, idleRPS, busyRPS, err := statementsJob(ctx, bin, dbURL, session, sz, &zipped)
	if err != nil {
		return nil, fmt.Errorf("statements job: %w", err)
	}
	if n, err := zipped.entries(); err != nil || n != sz.Statements {
		return nil, fmt.Errorf("statements zip holds %d PDFs for %d donors (%v)", n, sz.Statements, err)
	}
	return []row{
		{Name: fmt.Sprintf("year-end statement PDFs, %d donors (our layout vs a plain page)", sz.Statements), Ours: ours, Baseline: base, Unit: "PDF/s",
			Goal: "ratio ≥ 0.8", HigherIsBetter: true},
		{Name: fmt.Sprintf("statements job alone, %d donors, started to done (database, PDF, zip, stored vs a plain page)", sz.Statements),
			Ours: float64(sz.Statements) / took.Seconds(), Baseline: base, Unit: "PDF/s", Goal: "ratio ≥ 0.6 (issue 30)", HigherIsBetter: true},
		{Name: "statements job alone: the server's peak RSS", Ours: rss, Unit: "MB", Goal: "under 96 MB (issue 30)"},
		{Name: fmt.Sprintf("GET /donate p99 while the statements job runs (vs the same server idle), %d connections", sz.DonateClients),
			Ours: busyP99, Baseline: idleP99, Unit: "ms", Goal: "ratio ≥ 0.5"},
		{Name: "GET /donate while the statements job runs (vs the same server idle)", Ours: busyRPS, Baseline: idleRPS, Unit: "req/s",
			Goal: "ratio ≥ 0.5", HigherIsBetter: true},
	}, nil
}

// zipTail keeps the end of a zip stream: its last record says how many
// files it holds.
type zipTail struct{ tail []byte }

func (z *zipTail) Write(p []byte) (int, error) {
	z.tail = append(z.tail, p...)
	if len(z.tail) > 64 {
		z.tail = append(z.tail[:0], z.tail[len(z.tail)-64:]...)
	}
	return len(p), nil
}

// entries reads the end-of-central-directory record (no archive comment).
func (z *zipTail) entries() (int, error) {
	if len(z.tail) < 22 {
		return 0, fmt.Errorf("short zip")
	}
	eocd := z.tail[len(z.tail)-22:]
	if string(eocd[:4]) != "PK\x05\x06" {
		return 0, fmt.Errorf("no end-of-central-directory record")
	}
	return int(eocd[10]) | int(eocd[11])<<8, nil
}

func perSecond(n int, fn func() error) (float64, error) {
	start := time.Now()
	for i := 0; i < n; i++ {
		if err := fn(); err != nil {
			return 0, err
		}
	}
	return float64(n) / time.Since(start).Seconds(), nil
}

// benchFootprint: binary size, time from start to /readyz answering 200
// (migrations already applied), and resident memory when idle.
func benchFootprint(ctx context.Context, bin, work string) ([]row, error) {
	info, err := os.Stat(bin)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(work, "footprint")
	env := append(os.Environ(), "DATA_DIR="+dir, "DATABASE_URL=", "STRIPE_SECRET_KEY=", "LOG_LEVEL=error", "APP_ENV=development", "METRICS_ADDR=off")
	migrate := exec.CommandContext(ctx, bin, "migrate")
	migrate.Env = env
	if out, err := migrate.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("migrate: %v\n%s", err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	serve := exec.CommandContext(ctx, bin, "serve")
	serve.Env = append(env, "ADDR="+addr, "BASE_URL=http://"+addr)
	start := time.Now()
	if err := serve.Start(); err != nil {
		return nil, err
	}
	defer func() { _ = serve.Process.Kill(); _ = serve.Wait() }()
	if err := waitReady("http://"+addr, 2*time.Millisecond, 30*time.Second); err != nil {
		return nil, err
	}
	ready := time.Since(start)
	time.Sleep(time.Second)
	rss, err := procMB(serve.Process.Pid, "VmRSS:")
	if err != nil {
		return nil, err
	}
	// The two parts of it: what the process allocated (heap, stacks), and
	// the pages of its own file the kernel mapped in as it ran. The second
	// depends on the kernel as much as on the binary: a kernel that maps a
	// whole large folio on a fault (Linux 6.18, with a large read-ahead)
	// maps most of the file for a few pages touched at start.
	anon, err := procMB(serve.Process.Pid, "RssAnon:")
	if err != nil {
		return nil, err
	}
	file, err := procMB(serve.Process.Pid, "RssFile:")
	if err != nil {
		return nil, err
	}
	return []row{
		{Name: "binary size", Ours: float64(info.Size()) / (1 << 20), Unit: "MB", Goal: "≤ 50 MB (issue 30)"},
		{Name: "start to /readyz 200 (embedded database, migrated)", Ours: float64(ready) / float64(time.Millisecond), Unit: "ms", Goal: "< 300 ms"},
		{Name: "idle RSS after start", Ours: rss, Unit: "MB", Goal: "≤ 30 MB (issue 30)"},
		{Name: "idle RSS: allocated by the process (heap, stacks)", Ours: anon, Unit: "MB"},
		{Name: "idle RSS: pages of the binary's file mapped", Ours: file, Unit: "MB"},
	}, nil
}

// procMB reads a memory figure (VmRSS:, VmHWM:) of a process from /proc.
func procMB(pid int, field string) (float64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, field) {
			f := strings.Fields(l)
			kb, err := strconv.ParseFloat(f[1], 64)
			return kb / 1024, err
		}
	}
	return 0, fmt.Errorf("no %s for %d", field, pid)
}

var (
	benchFirstNames = []string{"Zoë", "Łukasz", "Amélie", "Jürgen", "Siobhán", "Ngozi", "Mateo", "Aroha", "Björn", "Camille",
		"Dmitri", "Eleni", "Farah", "Gustavo", "Hana", "Ingrid", "Jakub", "Kwame", "Leilani", "Mónica"}
	benchLastNames = []string{"Kowalski", "Okafor", "Nguyễn", "Fitzgerald", "Müller", "Haddad", "Castillo", "Johansson",
		"O'Brien", "Papadopoulos", "Tanaka", "Wójcik", "Zhang", "Ferreira", "Øvrebø"}
	benchCJKNames = []string{"王芳", "さとう ケーコ", "김민준", "李小龍"}
	benchStreets  = []string{"Main St", "Rue Saint-Paul", "Elm Avenue", "Calle Mayor", "Bahnhofstraße", "High Street"}
	benchTowns    = []string{"Springfield", "Montréal", "Portland", "Zaragoza", "Köln", "Galway", "Tromsø"}
)
