package documents

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indienews/donations/testenv"
)

// scriptNames are donors' names in the scripts receipts must print: each
// shaped by its script's rules (joined Arabic, Devanagari and Bengali
// conjuncts, Thai marks), right-to-left ones in reading order.
var scriptNames = []struct{ script, name string }{
	{"Latin", "Zoë Łukasz Ångström-Ñúñez Đặng Thị"},
	{"Greek", "Γιώργος Παπαδόπουλος"},
	{"Cyrillic", "Анастасия Кузнецова"},
	{"Arabic", "محمد عبد الله"},
	{"Hebrew", "שרה כהן"},
	{"Devanagari", "प्रिया शर्मा"},
	{"Bengali", "সত্যজিৎ রায়"},
	{"Thai", "สมชาย ใจดี"},
	{"Chinese", "王芳"},
	{"Japanese", "さとう ケーコ"},
	{"Korean", "김민준"},
}

// TestNamesInEveryScript renders a receipt for a donor named in each
// script and reads it back with pdftotext: the name must come back as it
// was given, letter for letter and in reading order.
//
// RENDER_DIR=dir keeps each PDF and a PNG of it, and a page of all the
// names (all.pdf, all.png), to look at.
func TestNamesInEveryScript(t *testing.T) {
	r := New("https://news.example", nil)
	if dir := os.Getenv("RENDER_DIR"); dir != "" {
		var lines []string
		for _, c := range scriptNames {
			lines = append(lines, c.script+": "+c.name)
		}
		var buf bytes.Buffer
		if err := r.PlainPage(&buf, lines); err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(dir, "all.pdf"), buf.Bytes(), 0o644)
		exec.Command("pdftoppm", "-r", "150", "-png", "-singlefile", "-W", "900", "-H", "700", filepath.Join(dir, "all.pdf"), filepath.Join(dir, "all")).Run()
	}
	for _, c := range scriptNames {
		t.Run(c.script, func(t *testing.T) {
			rec := sample()
			rec.DonorName = c.name
			var buf bytes.Buffer
			if err := r.Receipt(&buf, rec); err != nil {
				t.Fatal(err)
			}
			// pdftotext marks right-to-left text with embedding controls
			// (U+202B ... U+202C), as it does for any PDF: the letters
			// between are in reading order.
			text := strings.NewReplacer("\u202a", "", "\u202b", "", "\u202c", "", "\u202d", "", "\u202e", "").
				Replace(testenv.PDFText(t, buf.Bytes()))
			if !strings.Contains(text, "Donor: "+c.name) {
				t.Errorf("the %s name does not read back as %q:\n%s", c.script, c.name, text)
			}
			if dir := os.Getenv("RENDER_DIR"); dir != "" {
				os.WriteFile(filepath.Join(dir, c.script+".pdf"), buf.Bytes(), 0o644)
				exec.Command("pdftoppm", "-r", "110", "-png", "-singlefile", filepath.Join(dir, c.script+".pdf"), filepath.Join(dir, c.script)).Run()
			}
		})
	}
}
