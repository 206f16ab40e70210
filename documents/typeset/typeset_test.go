package typeset

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/go-text/typesetting/font"
	"github.com/klauspost/compress/zstd"
)

// readFont unpacks one of the fonts the documents ship (zstd, beside
// their licences).
func readFont(t testing.TB, file string) []byte {
	t.Helper()
	packed, err := os.ReadFile("../fonts/" + file + ".zst")
	if err != nil {
		t.Fatal(err)
	}
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	data, err := dec.DecodeAll(packed, nil)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func loadFont(t *testing.T, file string) *Font {
	t.Helper()
	data := readFont(t, file)
	f := &Font{file: FontFile{Name: file, Data: data}}
	if err := f.load(); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestSubsetKeepsEachGlyphsOutline: a subset renumbers the glyphs a
// document used, adds the components composite glyphs are built from, and
// every glyph draws exactly as in the whole font.
func TestSubsetKeepsEachGlyphsOutline(t *testing.T) {
	f := loadFont(t, "DejaVuSans.ttf")
	// The outlines from the file itself: f.ft is parsed without them.
	whole, err := font.ParseTTF(bytes.NewReader(f.file.Data))
	if err != nil {
		t.Fatal(err)
	}
	ids := newGlyphIDs()
	// Å and ő are composites in DejaVu Sans (a letter and its accent).
	for _, r := range "Zoë Ångström ő" {
		g, ok := whole.NominalGlyph(r)
		if !ok {
			t.Fatalf("no glyph for %q", r)
		}
		ids.id(uint16(g))
	}
	shown := len(ids.origs)
	ttf := f.subset(&ids)
	sub, err := font.ParseTTF(bytes.NewReader(ttf))
	if err != nil {
		t.Fatalf("the subset does not parse: %v", err)
	}
	parsed := &Font{file: FontFile{Name: "subset", Data: ttf}}
	if err := parsed.load(); err != nil {
		t.Fatal(err)
	}
	if len(ids.origs) <= shown {
		t.Fatalf("no components added for the composite glyphs (%d glyphs)", len(ids.origs))
	}
	if n := parsed.numGlyphs; n != len(ids.origs) {
		t.Fatalf("subset has %d glyphs, want %d", n, len(ids.origs))
	}
	for newID, orig := range ids.origs {
		a, okA := whole.GlyphDataOutline(font.GID(orig))
		b, okB := sub.GlyphDataOutline(font.GID(newID))
		if okA != okB || !reflect.DeepEqual(a.Segments, b.Segments) {
			t.Errorf("glyph %d (now %d) draws differently in the subset", orig, newID)
		}
		if wa, wb := whole.HorizontalAdvance(font.GID(orig)), sub.HorizontalAdvance(font.GID(newID)); wa != wb {
			t.Errorf("glyph %d (now %d): advance %v, was %v", orig, newID, wb, wa)
		}
	}
}

// TestTablesReadFromTheDirectory: the tables a subset is made of are the
// loader's, byte for byte.
func TestTablesReadFromTheDirectory(t *testing.T) {
	f := loadFont(t, "NotoSansThai-Regular.ttf")
	for tag, b := range f.tables {
		if len(b) == 0 {
			t.Errorf("table %s is empty", tag)
		}
	}
	if _, err := tableSlices([]byte("short")); err == nil {
		t.Error("a five-byte font was read")
	}
	if _, err := tableSlices(append([]byte{0, 1, 0, 0, 0, 9}, make([]byte, 10)...)); err == nil {
		t.Error("a directory of nine tables in sixteen bytes was read")
	}
}

func TestAppendNum(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 10: "10", 1.5: "1.5", -0.0001: "0", 612: "612", 0.12345: "0.123", -2.5: "-2.5"} {
		if got := string(appendNum(nil, v)); got != want || num(v) != want {
			t.Errorf("appendNum(%v) = %q, num = %q, want %q", v, got, num(v), want)
		}
	}
}

var testFonts *Fonts

func fuzzFonts(t testing.TB) *Fonts {
	if testFonts != nil {
		return testFonts
	}
	read := func(name string) []byte { return readFont(t, name) }
	fs, err := NewFonts(FontFile{Name: "DejaVuSans", Data: read("DejaVuSans.ttf")}, FontFile{Name: "DejaVuSans-Bold", Data: read("DejaVuSans-Bold.ttf")},
		FontFile{Name: "NotoSansArabic", Data: read("NotoSansArabic-Regular.ttf")})
	if err != nil {
		t.Fatal(err)
	}
	testFonts = fs
	return fs
}

// FuzzText: whatever a donor types as their name, a document sets it
// without panicking and writes a whole PDF.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Zoë", "محمد عبد الله 42", "a\u200fb\u202ec", "\x00\ufffd\U0001F600", "", strings.Repeat("w", 500)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := fuzzFonts(t).NewDoc("fuzz")
		d.Text(5, Span{Text: "Donor: ", Style: Bold, Size: 10}, Span{Text: s, Size: 10})
		var out bytes.Buffer
		if err := d.Output(&out); err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(out.Bytes(), []byte("%PDF-1.7")) || !bytes.HasSuffix(out.Bytes(), []byte("%%EOF\n")) {
			t.Fatalf("not a whole PDF: %q", out.Bytes()[max(0, out.Len()-20):])
		}
	})
}
