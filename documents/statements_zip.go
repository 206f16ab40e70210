package documents

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"hash/crc32"
	"io"
	"runtime"
	"sync"

	"github.com/indienews/donations/models"
)

// WriteStatementsZip writes each donor's statement of fiscal year fy as
// one PDF in a zip, in the donors' order, calling each after every
// statement (for progress; an error from it stops the zip).
//
// A statement is two reads and a layout: each runs on one of GOMAXPROCS+1
// workers (one more than the CPUs, so that a layout runs while a worker
// waits on the database), while this goroutine only copies finished
// entries into the zip in order. Twice GOMAXPROCS made no more
// statements a second and took the CPU the pages served beside the job
// need: /donate's p99 under the job was 0.46 of idle, 0.51 with one more
// than the CPUs (benchreport, three runs each). At most eight statements
// per worker are held in memory at a time, so a year of any size takes
// the same memory; the zip itself goes straight to w.
func (r *Renderer) WriteStatementsZip(ctx context.Context, w io.Writer, src StatementSource, org models.Org, donors []models.Donor, fy int, each func() error) error {
	if ix, ok := src.(elsewhereIndex); ok {
		who, err := ix.DonorsWithGiftsReceiptedElsewhere(ctx, fy)
		if err != nil {
			return err
		}
		src = onlyElsewhere{src, who}
	}
	workers := min(runtime.GOMAXPROCS(0)+1, max(len(donors), 1))
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	// Stop the workers before returning, whatever the way out, so that
	// none still reads from the store once the caller has moved on.
	defer func() { cancel(); wg.Wait() }()

	type task struct {
		i   int
		out chan<- zipEntry
	}
	tasks := make(chan task)
	// order holds each statement's result channel in the donors' order;
	// its capacity is the window of statements ahead of the writer. A
	// wide one (about 800 KB of PDFs) keeps the workers busy while w
	// stores a chunk, which takes a few milliseconds per 256 KB.
	order := make(chan chan zipEntry, 8*workers)
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(order)
		defer close(tasks)
		for i := range donors {
			out := make(chan zipEntry, 1)
			select {
			case order <- out:
			case <-ctx.Done():
				return
			}
			select {
			case tasks <- task{i, out}:
			case <-ctx.Done():
				return
			}
		}
	}()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				t.out <- r.statementEntry(ctx, src, org, &donors[t.i], fy)
			}
		}()
	}

	z := zip.NewWriter(w)
	for out := range order {
		var e zipEntry
		select {
		case e = <-out:
		case <-ctx.Done():
			return ctx.Err()
		}
		if e.err != nil {
			return e.err
		}
		// The zip keeps the header it is given until it writes its
		// directory: a copy, so that it does not keep the entry's data.
		h := e.header
		f, err := z.CreateRaw(&h)
		if err != nil {
			return err
		}
		if _, err := f.Write(e.data); err != nil {
			return err
		}
		if each != nil {
			if err := each(); err != nil {
				return err
			}
		}
	}
	if err := ctx.Err(); err != nil {
		return err // the feeder stopped early: the zip is not whole
	}
	return z.Close()
}

// zipEntry is one statement with the header that describes it. It is
// stored, not deflated: a statement's fonts and page are compressed
// streams already, so deflating the PDF again saved 14 % of its size
// (24.2 KB to 20.9 KB at the fastest level) for a third of the job's CPU.
type zipEntry struct {
	header zip.FileHeader
	data   []byte
	err    error
}

// statementEntry reads and lays out donor's statement.
func (r *Renderer) statementEntry(ctx context.Context, src StatementSource, org models.Org, donor *models.Donor, fy int) zipEntry {
	if err := ctx.Err(); err != nil {
		return zipEntry{err: err}
	}
	st, err := StatementOf(ctx, src, org, donor, fy)
	if err != nil {
		return zipEntry{err: err}
	}
	var pdf bytes.Buffer
	if err := r.Statement(&pdf, st); err != nil {
		return zipEntry{err: fmt.Errorf("statement of %s for %d: %w", donor.ID, fy, err)}
	}
	return zipEntry{
		header: zip.FileHeader{
			Name: fmt.Sprintf("statement-%d-%s.pdf", fy, donor.ID), Method: zip.Store,
			CRC32: crc32.ChecksumIEEE(pdf.Bytes()), CompressedSize64: uint64(pdf.Len()), UncompressedSize64: uint64(pdf.Len()),
		},
		data: pdf.Bytes(),
	}
}

// elsewhereIndex is a source that can name, in one query, the donors of
// a year with gifts another system receipted; *models.Store is one.
type elsewhereIndex interface {
	DonorsWithGiftsReceiptedElsewhere(ctx context.Context, fy int) (map[string]bool, error)
}

// onlyElsewhere asks its source for gifts receipted elsewhere only for
// the donors who have some: nearly every donor has none, and the query
// per donor was a round trip of the two a statement made.
type onlyElsewhere struct {
	StatementSource
	who map[string]bool
}

func (o onlyElsewhere) GiftsReceiptedElsewhere(ctx context.Context, donorID string, fy int) ([]models.Gift, error) {
	if !o.who[donorID] {
		return nil, nil
	}
	return o.StatementSource.GiftsReceiptedElsewhere(ctx, donorID, fy)
}
