// Package typeset writes PDF documents of shaped text: every run of text
// is split by direction and script, given the first font that has its
// letters, shaped by HarfBuzz (go-text's port, pure Go) and placed glyph by
// glyph, so Arabic and Hebrew read right to left and joined, Devanagari and
// Bengali form their conjuncts, and Thai, Chinese, Japanese and Korean print
// with their own fonts. Each font is embedded as a subset of the glyphs a
// document uses, with the text each glyph stands for, so that copying from
// the PDF (or pdftotext) gives back the words in reading order.
//
// No PDF library for Go that the module proxy serves here can place shaped
// glyphs (fpdf and gopdf both write characters, not glyphs), so this one
// writes the file itself: pages, text, rules, PNG images, fonts.
package typeset

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/go-text/typesetting/font"
	ot "github.com/go-text/typesetting/font/opentype"
	"github.com/go-text/typesetting/language"
)

// FontFile is a TrueType font (glyf outlines; CFF is not supported) and
// the scripts it is the first choice for. The base fonts have none: they
// print everything they have the letters for.
type FontFile struct {
	Name string // PostScript name written into the PDF
	Data []byte
	// Open gives Data when Data is nil. It runs once, when a document
	// first needs the font: fonts ship compressed, and a CJK font's 4 MB
	// are only unpacked in a process that prints CJK.
	Open    func() ([]byte, error)
	Scripts []language.Script
}

// Font is a font shared by every document: parsed once, when a document
// first needs it (a 4 MB CJK font costs nothing to documents without CJK).
type Font struct {
	file FontFile
	once sync.Once
	err  error

	ft        *font.Font
	upem      float64
	numGlyphs int
	tables    map[ot.Tag][]byte // the tables a subset keeps, as read
	loca      []uint32          // glyph offsets into glyf, numGlyphs+1
	// Metrics in PDF glyph space (1000 per em).
	ascent, descent, capHeight float64
	bbox                       [4]float64

	// Recent subsets, compressed, by their glyph sequence: documents of a
	// run share most of theirs (every statement's bold labels are the same
	// glyphs in the same order), and compressing is most of a subset's cost.
	subsetsMu sync.Mutex
	subsets   map[string]cachedSubset
}

type cachedSubset struct {
	z         []byte   // the compressed font file
	length    int      // its length uncompressed
	origs     []uint16 // the glyphs it holds, components included
	widths    string   // the CIDFont's /W array
	toUnicode []byte   // the compressed ToUnicode CMap
}

// maxCachedSubsets bounds a font's cache of compressed subsets.
const maxCachedSubsets = 64

// embedding is what a document writes for its use of the font: the
// subset, its widths and the text of each glyph, from the cache when a
// recent document drew the same glyphs in the same order for the same
// text (every statement's bold labels), since making them (compressing,
// above all) is most of a small document's cost.
func (f *Font) embedding(fu *fontUse, compress func([]byte) []byte) cachedSubset {
	shown := len(fu.gids.origs) // the subset may add components after these
	var key strings.Builder
	for i, g := range fu.gids.origs {
		key.WriteByte(byte(g >> 8))
		key.WriteByte(byte(g))
		key.WriteString(fu.glyphs[uint16(i)])
		key.WriteByte(0)
	}
	f.subsetsMu.Lock()
	c, ok := f.subsets[key.String()]
	f.subsetsMu.Unlock()
	if ok {
		for _, g := range c.origs[shown:] {
			fu.gids.id(g) // the components the subset added, under the same numbers
		}
		return c
	}
	ttf := f.subset(&fu.gids)
	var widths strings.Builder
	widths.WriteString("0 [")
	for _, g := range fu.gids.origs[:shown] {
		widths.WriteString(num(f.width(fu.face, font.GID(g))))
		widths.WriteByte(' ')
	}
	widths.WriteString("]")
	c = cachedSubset{z: compress(ttf), length: len(ttf), origs: slices.Clone(fu.gids.origs), widths: widths.String(),
		toUnicode: compress(toUnicodeCMap(shown, fu.glyphs))}
	f.subsetsMu.Lock()
	if f.subsets == nil || len(f.subsets) >= maxCachedSubsets {
		f.subsets = map[string]cachedSubset{}
	}
	f.subsets[key.String()] = c
	f.subsetsMu.Unlock()
	return c
}

// Fonts is the set a document draws with: a regular and a bold base font,
// then fallbacks tried in order for letters the base does not have.
type Fonts struct {
	base      [2]*Font // Regular, Bold
	fallbacks []*Font
	byScript  map[language.Script]*Font
	// states are the shaping states of documents no longer open, one per
	// document at a time. Not a sync.Pool: a pool is emptied by the
	// collections, and under a memory limit these come many times a
	// second during a statements run; every state lost took its faces,
	// compressor and cache of shaped labels with it, and making them
	// again was a third of what the run allocated. Kept: twice the CPUs,
	// enough for the statements job's workers (one more than the CPUs)
	// and a receipt or two being downloaded beside them.
	states chan *state
}

// Style is a font weight.
type Style int

// The styles.
const (
	Regular Style = iota
	Bold
)

// NewFonts prepares regular and bold with fallbacks; the base fonts are
// parsed now, so a broken one fails at start, not at the first receipt.
func NewFonts(regular, bold FontFile, fallbacks ...FontFile) (*Fonts, error) {
	fs := &Fonts{base: [2]*Font{{file: regular}, {file: bold}}, byScript: map[language.Script]*Font{}}
	for _, b := range fs.base {
		if err := b.load(); err != nil {
			return nil, err
		}
	}
	for _, f := range fallbacks {
		fb := &Font{file: f}
		fs.fallbacks = append(fs.fallbacks, fb)
		for _, s := range f.Scripts {
			fs.byScript[s] = fb
		}
	}
	fs.states = make(chan *state, 2*runtime.GOMAXPROCS(0))
	return fs, nil
}

// state is a document's shaping state: a kept one, or a new one.
func (fs *Fonts) state() *state {
	select {
	case st := <-fs.states:
		return st
	default:
		return newState(fs)
	}
}

// keep takes a closed document's state back, unless enough are kept.
func (fs *Fonts) keep(st *state) {
	select {
	case fs.states <- st:
	default:
	}
}

// tableTags are the tables a subset is made of. Not cmap (the PDF
// addresses glyphs, not characters: the subset gets an empty one), not the
// shaping tables (shaping is done), not name (the PDF names the font).
var tableTags = []string{"head", "hhea", "hmtx", "maxp", "loca", "glyf", "cvt ", "fpgm", "prep", "OS/2"}

// load parses the font and keeps the raw tables a subset is made of.
func (f *Font) load() error {
	f.once.Do(func() { f.err = f.parse() })
	return f.err
}

func (f *Font) parse() error {
	if f.file.Data == nil && f.file.Open != nil {
		data, err := f.file.Open()
		if err != nil {
			return fmt.Errorf("font %s: %w", f.file.Name, err)
		}
		f.file.Data = data
	}
	ld, err := ot.NewLoader(bytes.NewReader(withoutOutlines(f.file.Data)))
	if err != nil {
		return fmt.Errorf("font %s: %w", f.file.Name, err)
	}
	if f.ft, err = font.NewFont(ld); err != nil {
		return fmt.Errorf("font %s: %w", f.file.Name, err)
	}
	// The tables, as slices of the font's bytes: the loader's RawTable
	// copies, which for a CJK font's glyf is megabytes more per process.
	if f.tables, err = tableSlices(f.file.Data); err != nil {
		return fmt.Errorf("font %s: %w", f.file.Name, err)
	}
	head, maxp, hhea := f.tables[ot.MustNewTag("head")], f.tables[ot.MustNewTag("maxp")], f.tables[ot.MustNewTag("hhea")]
	glyf, loca := f.tables[ot.MustNewTag("glyf")], f.tables[ot.MustNewTag("loca")]
	if len(head) < 54 || len(maxp) < 6 || len(hhea) < 36 || glyf == nil || loca == nil {
		return fmt.Errorf("font %s: not a TrueType font with glyf outlines", f.file.Name)
	}
	f.numGlyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	f.upem = float64(binary.BigEndian.Uint16(head[18:]))
	long := int16(binary.BigEndian.Uint16(head[50:])) == 1
	f.loca = make([]uint32, f.numGlyphs+1)
	for i := range f.loca {
		switch {
		case long && 4*i+4 <= len(loca):
			f.loca[i] = binary.BigEndian.Uint32(loca[4*i:])
		case !long && 2*i+2 <= len(loca):
			f.loca[i] = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		default:
			return fmt.Errorf("font %s: loca is short", f.file.Name)
		}
		if f.loca[i] > uint32(len(glyf)) || i > 0 && f.loca[i] < f.loca[i-1] {
			return errors.New("font " + f.file.Name + ": loca points outside glyf")
		}
	}
	scale := func(v int16) float64 { return float64(v) * 1000 / f.upem }
	s16 := func(b []byte, off int) int16 { return int16(binary.BigEndian.Uint16(b[off:])) }
	f.bbox = [4]float64{scale(s16(head, 36)), scale(s16(head, 38)), scale(s16(head, 40)), scale(s16(head, 42))}
	f.ascent, f.descent = scale(s16(hhea, 4)), scale(s16(hhea, 6))
	f.capHeight = f.ascent
	if os2 := f.tables[ot.MustNewTag("OS/2")]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		f.capHeight = scale(s16(os2, 88))
	}
	return nil
}

// withoutOutlines is a copy of a TrueType file whose glyf, loca and post
// tables go-text will not find. go-text parses every glyph's outline when
// it opens a font, and shaping only needs them for the extents of marks
// in fonts without mark positioning (HarfBuzz's fallback), which no text
// of ours relies on: the outlines cost 16.5 MB of heap for the CJK font
// (4.1 MB on file) and 2.1 MB for each DejaVu, for as long as the process
// runs. post holds the glyphs' names (1.1 MB parsed for the CJK font),
// which nothing here asks for. Subsets are cut from the file's own tables
// (tableSlices), so the PDF keeps every outline it draws. The copy is
// garbage once parsed.
func withoutOutlines(data []byte) []byte {
	if len(data) < 12 {
		return data // NewLoader says why it is not a font
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if 12+16*n > len(data) {
		return data
	}
	out := bytes.Clone(data)
	for i := range n {
		e := out[12+16*i:]
		if tag := string(e[:4]); tag == "glyf" || tag == "loca" || tag == "post" {
			e[0] = '_' // "_lyf", "_oca", "_ost": tags no reader asks for
		}
	}
	return out
}

// tableSlices reads a TrueType file's table directory and returns the
// tables a subset is made of, as slices of data.
func tableSlices(data []byte) (map[ot.Tag][]byte, error) {
	if len(data) < 12 {
		return nil, errors.New("too short for a font")
	}
	n := int(binary.BigEndian.Uint16(data[4:]))
	if 12+16*n > len(data) {
		return nil, errors.New("table directory is cut short")
	}
	want := map[ot.Tag]bool{}
	for _, name := range tableTags {
		want[ot.MustNewTag(name)] = true
	}
	out := map[ot.Tag][]byte{}
	for i := 0; i < n; i++ {
		e := data[12+16*i:]
		tag := ot.Tag(binary.BigEndian.Uint32(e))
		off, length := uint64(binary.BigEndian.Uint32(e[8:])), uint64(binary.BigEndian.Uint32(e[12:]))
		if !want[tag] {
			continue
		}
		if off+length > uint64(len(data)) {
			return nil, fmt.Errorf("table %s lies outside the file", tag)
		}
		out[tag] = data[off : off+length : off+length]
	}
	return out, nil
}

// width is glyph gid's advance in PDF glyph space.
func (f *Font) width(face *font.Face, gid font.GID) float64 {
	return float64(face.HorizontalAdvance(gid)) * 1000 / f.upem
}
