package documents

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// word is one word pdftotext found, with its box.
type word struct {
	XMin float64 `xml:"xMin,attr"`
	YMin float64 `xml:"yMin,attr"`
	Text string  `xml:",chardata"`
}

// words reads a PDF's words with their positions (pdftotext -bbox).
func words(t *testing.T, pdf []byte) []word {
	t.Helper()
	if _, err := exec.LookPath("pdftotext"); err != nil {
		testenv.Unavailable(t, "pdftotext is not installed")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdftotext", "-bbox", f, "-").Output()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Words []word `xml:"body>doc>page>word"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatalf("pdftotext -bbox: %v", err)
	}
	return doc.Words
}

// lineOf is the words on the line whose first word is label, left to right.
func lineOf(ws []word, label string) []word {
	for i, w := range ws {
		if w.Text == label {
			var line []word
			for _, v := range ws[i:] {
				if v.YMin > w.YMin+4 || v.YMin < w.YMin-8 {
					break
				}
				line = append(line, v)
			}
			return line
		}
	}
	return nil
}

// readsInOrder fails unless pdftotext's text of pdf holds each of the
// words whole, letters in reading order, once its bidi marks are gone.
func readsInOrder(t *testing.T, pdf []byte, want ...string) {
	t.Helper()
	text := strings.Map(func(r rune) rune {
		if r >= 0x202A && r <= 0x202E { // embedding marks
			return -1
		}
		return r
	}, testenv.PDFText(t, pdf))
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("pdftotext does not give %q in reading order:\n%s", w, text)
		}
	}
}

// TestRightToLeftValuesAreLaidOutAsTheirOwn: each value takes the
// direction of its first strong letter (the Unicode bidi algorithm's rule
// P2), whatever the label before it. An Arabic address beginning with its
// house number has the number at its start, on the right; a Hebrew one
// with a number after the street name has it to the street's left; a name
// followed by a number reads name first, from the right. Left-to-right
// values are untouched.
func TestRightToLeftValuesAreLaidOutAsTheirOwn(t *testing.T) {
	r := New("https://news.example", nil)
	rec := sample()
	rec.DonorName = "سارة 12"
	rec.DonorAddressLine1, rec.DonorAddressLine2, rec.DonorAddressCity = "12 شارع الملك فهد، الرياض", "", "Riyadh"
	var buf bytes.Buffer
	if err := r.Receipt(&buf, rec); err != nil {
		t.Fatal(err)
	}
	ws := words(t, buf.Bytes())
	donor := lineOf(ws, "Donor:")
	if len(donor) != 3 || donor[1].Text != "12" {
		t.Fatalf("the donor line, left to right: %+v", donor)
	}
	addr := lineOf(ws, "Address:")
	if n := len(addr); n < 3 || addr[n-1].Text != "12" {
		t.Fatalf("the Arabic address's house number is not at its start (the right): %+v", addr)
	}
	// Copied out with pdftotext, each right-to-left word comes back with
	// its letters in reading order (the joined Arabic forms map back to
	// their letters), Hebrew and Arabic alike. poppler puts a line's words
	// in the order they stand on the page; it cannot give a mixed line's
	// logical order, and reverses an ActualText of marked content (it
	// takes its letters as placed left to right), so the line's reading
	// order lives in its structure element.
	readsInOrder(t, buf.Bytes(), "شارع", "الملك", "فهد", "الرياض", "سارة")
	// Its paragraph's structure element carries the line in reading
	// order, for a reader copying or speaking it (poppler's tools show
	// the glyphs' order instead, so the file itself is read here).
	var utf16be strings.Builder
	for _, u := range utf16.Encode([]rune("Address: 12 شارع الملك فهد، الرياض, Riyadh, US")) {
		fmt.Fprintf(&utf16be, "%04X", u)
	}
	if !bytes.Contains(buf.Bytes(), []byte("/ActualText <FEFF"+utf16be.String()+">")) {
		t.Errorf("the Arabic address's structure element has no ActualText in reading order")
	}

	rec = sample()
	rec.DonorAddressLine1, rec.DonorAddressCity = "רחוב הרצל 5", "תל אביב"
	buf.Reset()
	if err := r.Receipt(&buf, rec); err != nil {
		t.Fatal(err)
	}
	readsInOrder(t, buf.Bytes(), "רחוב", "הרצל", "תל", "אביב")
	addr = lineOf(words(t, buf.Bytes()), "Address:")
	var five, street int
	for i, w := range addr {
		switch {
		case strings.Contains(w.Text, "5"):
			five = i
		case strings.Contains(w.Text, "לצרה"), strings.Contains(w.Text, "הרצל"):
			street = i
		}
	}
	if five == 0 || street == 0 || five > street {
		t.Fatalf("the Hebrew street's number is not after its name (to its left): %+v", addr)
	}

	// A left-to-right value reads as before.
	buf.Reset()
	if err := r.Receipt(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	if text := testenv.PDFText(t, buf.Bytes()); !strings.Contains(text, "Address: 1 Main St, Springfield, US") {
		t.Fatalf("a left-to-right address:\n%s", text)
	}
}

// TestDocumentsAreTagged: receipts and statements are tagged PDFs, with
// their language set: a structure tree whose paragraphs and headings hold
// the document's text in reading order (rules and signatures are
// artifacts, outside it), as poppler's pdfinfo reads them.
func TestDocumentsAreTagged(t *testing.T) {
	for _, tool := range []string{"pdfinfo", "qpdf"} {
		if _, err := exec.LookPath(tool); err != nil {
			testenv.Unavailable(t, "%s is not installed (bash .ci/services installs it)", tool)
		}
	}
	r := New("https://news.example", nil)
	check := func(name string, pdf []byte, lines ...string) {
		t.Helper()
		f := filepath.Join(t.TempDir(), name+".pdf")
		if err := os.WriteFile(f, pdf, 0o644); err != nil {
			t.Fatal(err)
		}
		info, err := exec.Command("pdfinfo", f).Output()
		if err != nil || !strings.Contains(string(info), "Tagged:          yes") {
			t.Fatalf("%s is not tagged (%v):\n%s", name, err, info)
		}
		tree, err := exec.Command("pdfinfo", "-struct-text", f).Output()
		if err != nil {
			t.Fatal(err)
		}
		at := 0
		for _, l := range lines {
			i := strings.Index(string(tree[at:]), l)
			if i < 0 {
				t.Fatalf("%s's structure lacks %q after what came before:\n%s", name, l, tree)
			}
			at += i
		}
		if !bytes.Contains(pdf, []byte("/Lang <FEFF0065006E>")) || !bytes.Contains(pdf, []byte("/MarkInfo << /Marked true >>")) {
			t.Errorf("%s: no language, or not marked", name)
		}
		if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
			t.Errorf("qpdf --check %s: %v\n%s", name, err, out)
		}
	}
	var buf bytes.Buffer
	if err := r.Receipt(&buf, sample()); err != nil {
		t.Fatal(err)
	}
	check("receipt", buf.Bytes(), "Document", "H1", `"The Ledger"`, "H1", `"Donation receipt"`, "P", `"Receipt number: 2026-000042"`,
		`"Deductible amount: $26.06"`, `"Verify this receipt:`)
	// A Canadian receipt on A4, with a signature image (an artifact).
	buf.Reset()
	ca := sample()
	ca.WordingVersion, ca.Signatory, ca.SignatureID, ca.SignaturePNG, ca.Currency = "ca-1", "Jane Treasurer", "abc", pngOf(t, 120, 40), "cad"
	if err := r.Receipt(&buf, ca); err != nil {
		t.Fatal(err)
	}
	check("ca receipt", buf.Bytes(), "Document", `"This is an official receipt for income tax purposes."`, `"Authorised signature: Jane Treasurer"`)
	buf.Reset()
	st := NewStatement(models.Org{Name: "The Ledger"}, &models.Donor{Name: "Ann"}, 2026, []models.Receipt{*sample()})
	if err := r.Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	check("statement", buf.Bytes(), "Document", `"The Ledger"`, `"Year-end giving statement, fiscal year 2026"`, `"Donor: Ann"`, "2026-000042")
}
