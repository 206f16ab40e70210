package typeset

import (
	"bytes"
	"compress/zlib"
	"golang.org/x/text/unicode/bidi"
	"slices"
	"unicode"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/language"
	"github.com/go-text/typesetting/shaping"
	"golang.org/x/image/math/fixed"
)

// state is what shaping needs between documents: HarfBuzz's plan cache,
// the segmenter's and the wrapper's buffers, and one face per font (faces
// cache glyph lookups and are not safe for concurrent use, so a state
// serves one document at a time; Fonts keeps a few between documents).
type state struct {
	fonts   *Fonts
	shaper  shaping.HarfbuzzShaper
	seg     shaping.Segmenter
	wrapper shaping.LineWrapper
	faces   map[*Font]*font.Face
	owners  map[*font.Face]*Font
	maps    [2]fontmap
	zw      *zlib.Writer
	shaped  map[shapeKey][]shaping.Output
	seen    map[shapeKey]bool // spans shaped once, cached when shaped again

	// Buffers a document fills and drops, kept for the next one: the
	// statements job's allocation profile put the growth of the file's
	// buffer, the pages' content and the copies of cached glyphs at half
	// of the 400 MB/s it allocated, and each allocation brings the next
	// collection closer.
	file   bytes.Buffer    // the PDF as Output lays it out
	z      bytes.Buffer    // a stream as it is compressed
	pages  []*page         // pages of closed documents, emptied
	glyphs []shaping.Glyph // copies of cached runs' glyphs, for one paragraph
}

// trim lets go of buffers a large document grew (a donor's file of many
// pages), so that a kept state holds what a statement needs, not more.
func (st *state) trim() {
	const most = 1 << 20
	if st.file.Cap() > most {
		st.file = bytes.Buffer{}
	}
	if st.z.Cap() > most {
		st.z = bytes.Buffer{}
	}
	if len(st.pages) > 4 {
		st.pages = st.pages[:4]
	}
	for _, pg := range st.pages {
		if pg.content.Cap() > most {
			pg.content = bytes.Buffer{}
		}
	}
	if cap(st.glyphs) > 16<<10 {
		st.glyphs = nil
	}
}

// newPage is an empty page, one of a closed document's if there is one.
func (st *state) newPage() *page {
	if n := len(st.pages); n > 0 {
		pg := st.pages[n-1]
		st.pages = st.pages[:n-1]
		return pg
	}
	return &page{}
}

// keepPages takes a closed document's pages back, emptied.
func (st *state) keepPages(pages []*page) {
	for _, pg := range pages {
		pg.content.Reset()
		*pg = page{content: pg.content, fonts: pg.fonts[:0], images: pg.images[:0]}
		st.pages = append(st.pages, pg)
	}
}

// cloneGlyphs copies glyphs into the paragraph's arena: the wrapper
// edits a run's glyphs in place, and a paragraph's runs are dropped once
// it is drawn, so the next paragraph reuses the space.
func (st *state) cloneGlyphs(glyphs []shaping.Glyph) []shaping.Glyph {
	if cap(st.glyphs)-len(st.glyphs) < len(glyphs) {
		// The runs already handed out keep the old array.
		st.glyphs = make([]shaping.Glyph, 0, max(2*cap(st.glyphs), len(glyphs), 256))
	}
	start := len(st.glyphs)
	st.glyphs = append(st.glyphs, glyphs...)
	return st.glyphs[start:len(st.glyphs):len(st.glyphs)]
}

// zlib is the state's compressor, made on first use.
func (st *state) zlib() *zlib.Writer {
	if st.zw == nil {
		// Fastest: most of a document's bytes are its font subsets, and
		// the best level makes them only a little smaller at three times
		// the cost.
		st.zw, _ = zlib.NewWriterLevel(nil, zlib.BestSpeed)
	}
	return st.zw
}

func newState(fs *Fonts) *state {
	st := &state{fonts: fs, faces: map[*Font]*font.Face{}, owners: map[*font.Face]*Font{}, shaped: map[shapeKey][]shaping.Output{}, seen: map[shapeKey]bool{}}
	st.maps = [2]fontmap{{st: st, style: Regular}, {st: st, style: Bold}}
	return st
}

// face is f's face in this state; nil when f cannot be parsed (a fallback
// that fails is skipped rather than failing every document).
func (st *state) face(f *Font) *font.Face {
	if fc, ok := st.faces[f]; ok {
		return fc
	}
	var fc *font.Face
	if f.load() == nil {
		fc = font.NewFace(f.ft)
		st.owners[fc] = f
	}
	st.faces[f] = fc
	return fc
}

// fontmap picks each letter's font: the font made for its script, else the
// base font of the style, else the first fallback that has it.
type fontmap struct {
	st     *state
	style  Style
	script language.Script
}

func (m *fontmap) SetScript(s language.Script) { m.script = s }

func (m *fontmap) ResolveFace(r rune) *font.Face {
	fs := m.st.fonts
	if f, ok := fs.byScript[m.script]; ok {
		if fc := m.st.face(f); fc != nil {
			if _, has := fc.NominalGlyph(r); has {
				return fc
			}
		}
	}
	base := m.st.face(fs.base[m.style])
	if _, has := base.NominalGlyph(r); has {
		return base
	}
	for _, f := range fs.fallbacks {
		if fc := m.st.face(f); fc != nil {
			if _, has := fc.NominalGlyph(r); has {
				return fc
			}
		}
	}
	return base // its .notdef box: nothing we have draws r
}

// span is text in one style and size within a paragraph.
type span struct {
	text  string
	style Style
	size  float64 // points
	color [3]float64
}

// shaped is a paragraph's text and its runs, shaped, in logical order.
type shaped struct {
	text  []rune
	runs  []shaping.Output
	spans []spanRange
}

// spanRange is where a span's text lies in the paragraph, for its colour
// and its direction.
type spanRange struct {
	start, end int
	color      [3]float64
	rtl        bool // its first strong letter is right-to-left (Arabic, Hebrew)
}

// rightToLeft applies the Unicode bidi algorithm's rule P2-P3 to a span:
// its direction is its first strong letter's. A value such as an address
// "12 شارع الملك فهد" is then laid out as Arabic, the house number at its
// start (the right), whatever the label before it.
func rightToLeft(text []rune) bool {
	for _, r := range text {
		p, _ := bidi.LookupRune(r)
		switch p.Class() {
		case bidi.L:
			return false
		case bidi.R, bidi.AL:
			return true
		}
	}
	return false
}

// spanAt is the span holding rune i.
func (p *shaped) spanAt(i int) *spanRange {
	for k := range p.spans {
		if i >= p.spans[k].start && i < p.spans[k].end {
			return &p.spans[k]
		}
	}
	return nil
}

// colorAt is the colour of the span holding rune i.
func (p *shaped) colorAt(i int) [3]float64 {
	for _, s := range p.spans {
		if i >= s.start && i < s.end {
			return s.color
		}
	}
	return [3]float64{}
}

var english = language.NewLanguage("en")

// shape splits each span by direction, script and font and shapes every
// piece.
func (st *state) shape(spans []span) shaped {
	var out shaped
	st.glyphs = st.glyphs[:0] // the last paragraph is drawn: its copies are dead
	for _, sp := range spans {
		start := len(out.text)
		for _, r := range sp.text {
			// Control characters print as nothing and upset line breaking
			// (a record separator in a name from Stripe panicked go-text's
			// wrapper): a space stands in for each.
			if unicode.IsControl(r) {
				r = ' '
			}
			out.text = append(out.text, r)
		}
		if len(out.text) == start {
			continue
		}
		rtl := rightToLeft(out.text[start:])
		out.spans = append(out.spans, spanRange{start, len(out.text), sp.color, rtl})
		// A span that opens its paragraph and is plain ASCII (a label, a
		// heading, a sentence every document prints) shapes the same every
		// time: it is shaped once per state. Its runs are copied out, as
		// the line wrapper edits glyphs in place.
		key := shapeKey{text: sp.text, style: sp.style, size: sp.size}
		cacheable := start == 0 && isASCII(sp.text) && !rtl
		if runs, ok := st.shaped[key]; ok && cacheable {
			for _, r := range runs {
				r.Glyphs = st.cloneGlyphs(r.Glyphs)
				out.runs = append(out.runs, r)
			}
			continue
		}
		dir := di.DirectionLTR
		if rtl {
			dir = di.DirectionRTL
		}
		in := shaping.Input{Text: out.text, RunStart: start, RunEnd: len(out.text), Direction: dir,
			Size: fixed.Int26_6(sp.size * 64), Script: language.Latin, Language: english}
		m := &st.maps[sp.style]
		first := len(out.runs)
		for _, piece := range st.seg.Split(in, m) {
			piece.Text = out.text
			out.runs = append(out.runs, st.shaper.Shape(piece))
		}
		if cacheable && !st.seen[key] {
			// Kept only once it comes back: most such spans are a donor's
			// own (a name, an amount), and copying each into the cache
			// was a sixth of what a statements run allocated.
			if len(st.seen) >= 4*maxShapedSpans {
				clear(st.seen)
			}
			st.seen[key] = true
		} else if cacheable {
			if len(st.shaped) >= maxShapedSpans {
				clear(st.shaped)
			}
			runs := make([]shaping.Output, 0, len(out.runs)-first)
			for _, r := range out.runs[first:] {
				r.Glyphs = slices.Clone(r.Glyphs)
				runs = append(runs, r)
			}
			st.shaped[key] = runs
		}
	}
	return out
}

// shapeKey names a span's shaping, for the cache of repeated spans.
type shapeKey struct {
	text  string
	style Style
	size  float64
}

// maxShapedSpans bounds a state's cache of shaped spans.
const maxShapedSpans = 256

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			return false
		}
	}
	return true
}

// wrap breaks a shaped paragraph into lines no wider than width points,
// each with its runs in visual order, left to right.
func (st *state) wrap(p shaped, width float64) [][]shaping.Output {
	if len(p.runs) == 0 {
		return nil
	}
	cfg := shaping.WrapConfig{Direction: di.DirectionLTR, BreakPolicy: shaping.WhenNecessary}
	lines, _ := st.wrapper.WrapParagraphF(cfg, fixed.Int26_6(width*64), p.text, shaping.NewSliceIterator(p.runs))
	out := make([][]shaping.Output, len(lines))
	for i, l := range lines {
		// The wrapper owns the lines until its next call: copy them out.
		// A paragraph is laid out left to right, span after span; within
		// a right-to-left span, its runs go right to left, each in its own
		// direction (a number in Arabic text still reads left to right).
		row := slices.Clone(l)
		slices.SortStableFunc(row, func(a, b shaping.Output) int { return a.Runes.Offset - b.Runes.Offset })
		for j := 0; j < len(row); {
			k := j + 1
			if sp := p.spanAt(row[j].Runes.Offset); sp != nil && sp.rtl {
				for k < len(row) && p.spanAt(row[k].Runes.Offset) == sp {
					k++
				}
				slices.Reverse(row[j:k])
			}
			j = k
		}
		out[i] = row
	}
	return out
}
