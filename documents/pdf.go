package documents

import (
	"bytes"
	"io"
	"time"
	"unicode"

	"codeberg.org/go-pdf/fpdf"
)

// The PDF primitives every document is drawn with: fonts, flowing text,
// fields and rules.

// doc wraps one fpdf document with our fonts and a cursor.
type doc struct {
	pdf *fpdf.Fpdf
	// The 4 MB CJK font is parsed only for documents that need it: most
	// receipts never do, and parsing it is most of a PDF's cost.
	cjkLoaded bool
}

func newDoc(title string) *doc {
	pdf := fpdf.New("P", "mm", "Letter", "")
	pdf.SetTitle(title, true)
	pdf.SetCreator("donations", true)
	pdf.AddUTF8FontFromBytes("body", "", dejaVu)
	pdf.AddUTF8FontFromBytes("body", "B", dejaVuBold)
	pdf.SetMargins(20, 20, 20)
	pdf.SetAutoPageBreak(true, 20)
	pdf.AddPage()
	return &doc{pdf: pdf}
}

// isCJK reports whether r needs the fallback font.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// write flows text at the current position, switching to the fallback font
// for runs of CJK characters, and ends the line.
func (d *doc) write(text string, size float64, bold bool) {
	style := ""
	if bold {
		style = "B"
	}
	lh := size * 0.5
	var run []rune
	cjk := false
	flush := func() {
		if len(run) == 0 {
			return
		}
		if cjk {
			if !d.cjkLoaded {
				d.pdf.AddUTF8FontFromBytes("cjk", "", droidFallback)
				d.cjkLoaded = true
			}
			d.pdf.SetFont("cjk", "", size)
		} else {
			d.pdf.SetFont("body", style, size)
		}
		d.pdf.Write(lh, string(run))
		run = run[:0]
	}
	for _, r := range text {
		if c := isCJK(r); c != cjk {
			flush()
			cjk = c
		}
		run = append(run, r)
	}
	flush()
	d.pdf.Ln(lh + 1)
}

// field writes "label: value" on one line.
func (d *doc) field(label, value string) {
	d.pdf.SetFont("body", "B", 10)
	d.pdf.Write(5.5, label+": ")
	d.write(value, 10, false)
}

func (d *doc) gap(mm float64) { d.pdf.Ln(mm) }

// image draws a PNG at most w by h millimetres at the cursor, keeping its
// proportions, and moves below it.
func (d *doc) image(name string, png []byte, w, h float64) {
	info := d.pdf.RegisterImageOptionsReader(name, fpdf.ImageOptions{ImageType: "PNG"}, bytes.NewReader(png))
	if info == nil || d.pdf.Error() != nil {
		return // the document's error says why; output reports it
	}
	iw, ih := info.Extent()
	if iw*h > ih*w {
		h = w * ih / iw
	} else {
		w = h * iw / ih
	}
	x, y := d.pdf.GetXY()
	d.pdf.ImageOptions(name, x, y, w, h, false, fpdf.ImageOptions{ImageType: "PNG"}, 0, "")
	d.pdf.SetY(y + h + 1)
}

func (d *doc) rule() {
	y := d.pdf.GetY()
	d.pdf.SetDrawColor(180, 180, 180)
	d.pdf.Line(20, y, 195.9, y)
	d.pdf.Ln(3)
}

func (d *doc) output(w io.Writer) error {
	if err := d.pdf.Error(); err != nil {
		return err
	}
	return d.pdf.Output(w)
}

// date is a day as a person reads it, in the zone that decided it.
func date(t time.Time, loc *time.Location) string { return t.In(loc).Format("January 2, 2006") }

// testMark is what a receipt paid with pretend money says of itself.
const testMark = "TEST — not a receipt"

// PlainPage writes lines on one page with the same fonts and nothing else:
// the baseline the statements benchmark compares Statement against.
func PlainPage(w io.Writer, lines []string) error {
	d := newDoc("baseline")
	for _, l := range lines {
		d.write(l, 10, false)
	}
	return d.output(w)
}
