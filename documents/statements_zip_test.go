package documents

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// slowSource answers each donor's receipts after a delay that falls as
// the donors go on, so later statements finish before earlier ones.
type slowSource struct {
	n    int
	fail string // a donor whose read fails
}

func (s slowSource) ReceiptsOfDonor(ctx context.Context, donorID string, fy int) ([]models.Receipt, error) {
	if donorID == s.fail {
		return nil, errors.New("the database went away")
	}
	var i int
	fmt.Sscanf(donorID, "d%d", &i)
	time.Sleep(time.Duration(s.n-i) * 200 * time.Microsecond)
	rec := sample()
	rec.Number, rec.DonorName = fmt.Sprintf("2026-%06d", i+1), "Donor "+donorID
	return []models.Receipt{*rec}, nil
}

func (slowSource) GiftsReceiptedElsewhere(context.Context, string, int) ([]models.Gift, error) {
	return nil, nil
}

func donorsForZip(n int) []models.Donor {
	donors := make([]models.Donor, n)
	for i := range donors {
		donors[i] = models.Donor{ID: fmt.Sprintf("d%d", i), Name: fmt.Sprintf("Donor d%d", i)}
	}
	return donors
}

// TestStatementsZipKeepsTheDonorsOrder: statements are made on several
// workers, yet the zip lists them in the donors' order, each entry whole
// (its CRC checked on reading) and each the statement of its own donor.
func TestStatementsZipKeepsTheDonorsOrder(t *testing.T) {
	const n = 40
	r := New("https://news.example/", nil)
	var buf bytes.Buffer
	calls := 0
	err := r.WriteStatementsZip(context.Background(), &buf, slowSource{n: n}, models.Org{Name: "The Ledger"}, donorsForZip(n), 2026,
		func() error { calls++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if calls != n {
		t.Errorf("progress called %d times for %d statements", calls, n)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if len(z.File) != n {
		t.Fatalf("%d entries, want %d", len(z.File), n)
	}
	for i, f := range z.File {
		if want := fmt.Sprintf("statement-2026-d%d.pdf", i); f.Name != want {
			t.Fatalf("entry %d is %s, want %s", i, f.Name, want)
		}
		if i%13 != 0 {
			continue // pdftotext on a few is enough to show the contents follow the names
		}
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := io.ReadAll(rc) // fails on a CRC mismatch
		rc.Close()
		if err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		text := testenv.PDFText(t, pdf)
		if !strings.Contains(text, fmt.Sprintf("Donor d%d", i)) || !strings.Contains(text, fmt.Sprintf("2026-%06d", i+1)) {
			t.Errorf("%s is not donor d%d's statement:\n%s", f.Name, i, text)
		}
	}
}

// TestStatementsZipStopsOnTheFirstError: a failed read or a failed
// progress call ends the zip with that error, and no worker outlives the
// call (the race detector and the test's end would see one).
func TestStatementsZipStopsOnTheFirstError(t *testing.T) {
	r := New("https://news.example/", nil)
	err := r.WriteStatementsZip(context.Background(), io.Discard, slowSource{n: 30, fail: "d17"}, models.Org{}, donorsForZip(30), 2026, nil)
	if err == nil || !strings.Contains(err.Error(), "the database went away") {
		t.Errorf("a failed read gave %v", err)
	}
	stop := errors.New("cancelled by staff")
	calls := 0
	err = r.WriteStatementsZip(context.Background(), io.Discard, slowSource{n: 30}, models.Org{}, donorsForZip(30), 2026,
		func() error {
			if calls++; calls == 5 {
				return stop
			}
			return nil
		})
	if !errors.Is(err, stop) || calls != 5 {
		t.Errorf("a failed progress call gave %v after %d calls", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.WriteStatementsZip(ctx, io.Discard, slowSource{n: 30}, models.Org{}, donorsForZip(30), 2026, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("a cancelled context gave %v", err)
	}
	if err := r.WriteStatementsZip(context.Background(), io.Discard, slowSource{}, models.Org{}, nil, 2026, nil); err != nil {
		t.Errorf("no donors: %v", err)
	}
}

// indexedSource is a slowSource that names its donors with gifts
// receipted elsewhere, and counts the per-donor asks.
type indexedSource struct {
	slowSource
	elsewhere string
	asked     *atomic.Int32
	indexErr  error
}

func (s indexedSource) DonorsWithGiftsReceiptedElsewhere(context.Context, int) (map[string]bool, error) {
	return map[string]bool{s.elsewhere: true}, s.indexErr
}

func (s indexedSource) GiftsReceiptedElsewhere(_ context.Context, donorID string, _ int) ([]models.Gift, error) {
	s.asked.Add(1)
	if donorID != s.elsewhere {
		return nil, nil
	}
	paid := time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)
	return []models.Gift{{TotalAmount: 4200, Currency: "usd", PaidAt: &paid, ReceiptedElsewhere: "OLD-77"}}, nil
}

// TestStatementsZipAsksForGiftsElsewhereOnlyOfThoseWhoHaveThem: with a
// source that names them in one query, only those donors are asked, and
// their statements still list the gifts.
func TestStatementsZipAsksForGiftsElsewhereOnlyOfThoseWhoHaveThem(t *testing.T) {
	r := New("https://news.example/", nil)
	var asked atomic.Int32
	src := indexedSource{slowSource: slowSource{n: 10}, elsewhere: "d4", asked: &asked}
	var buf bytes.Buffer
	if err := r.WriteStatementsZip(context.Background(), &buf, src, models.Org{Name: "The Ledger"}, donorsForZip(10), 2026, nil); err != nil {
		t.Fatal(err)
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("asked for gifts receipted elsewhere %d times, want once (d4)", n)
	}
	z, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	for _, i := range []int{3, 4} {
		rc, err := z.File[i].Open()
		if err != nil {
			t.Fatal(err)
		}
		pdf, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		if has := strings.Contains(testenv.PDFText(t, pdf), "OLD-77"); has != (i == 4) {
			t.Errorf("d%d's statement lists OLD-77: %v", i, has)
		}
	}
	src.indexErr = errors.New("the index query failed")
	if err := r.WriteStatementsZip(context.Background(), io.Discard, src, models.Org{}, donorsForZip(3), 2026, nil); !errors.Is(err, src.indexErr) {
		t.Errorf("a failed index query gave %v", err)
	}
}
