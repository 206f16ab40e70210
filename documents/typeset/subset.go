package typeset

import (
	"encoding/binary"
	"slices"

	ot "github.com/go-text/typesetting/font/opentype"
)

// glyphIDs numbers the glyphs one document uses of a font, in the order it
// first draws them: 0 stays .notdef. The content stream, the widths and
// the text of each glyph all use these numbers, and the embedded subset
// holds exactly these glyphs under them, so a font costs a document only
// the glyphs it shows.
type glyphIDs struct {
	ids   map[uint16]uint16 // the font's glyph id -> the subset's
	origs []uint16          // the subset's glyph id -> the font's
}

func newGlyphIDs() glyphIDs {
	return glyphIDs{ids: map[uint16]uint16{0: 0}, origs: []uint16{0}}
}

// id is glyph g's number in the subset, given on first use.
func (m *glyphIDs) id(g uint16) uint16 {
	if n, ok := m.ids[g]; ok {
		return n
	}
	n := uint16(len(m.origs))
	m.ids[g] = n
	m.origs = append(m.origs, g)
	return n
}

// subset is a TrueType font holding the glyphs of m, renumbered, with the
// glyphs composite ones are built from added (and renumbered inside them).
// The tables a PDF reader needs to draw the glyphs are kept, and an empty
// cmap; the ones for shaping (done already) are not.
func (f *Font) subset(m *glyphIDs) []byte {
	glyf := f.tables[ot.MustNewTag("glyf")]
	var newGlyf []byte
	offsets := make([]uint32, 0, len(m.origs)+1)
	// m.origs grows as composites name their components.
	for i := 0; i < len(m.origs); i++ {
		offsets = append(offsets, uint32(len(newGlyf)))
		g := int(m.origs[i])
		if g >= f.numGlyphs {
			continue
		}
		start := len(newGlyf)
		newGlyf = append(newGlyf, glyf[f.loca[g]:f.loca[g+1]]...)
		for _, at := range componentRefs(newGlyf[start:]) {
			ref := binary.BigEndian.Uint16(newGlyf[start+at:])
			binary.BigEndian.PutUint16(newGlyf[start+at:], m.id(ref))
		}
		for len(newGlyf)%4 != 0 {
			newGlyf = append(newGlyf, 0)
		}
	}
	offsets = append(offsets, uint32(len(newGlyf)))
	n := len(m.origs)
	loca := make([]byte, 4*len(offsets))
	for i, o := range offsets {
		binary.BigEndian.PutUint32(loca[4*i:], o)
	}

	head := slices.Clone(f.tables[ot.MustNewTag("head")])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment: readers ignore it
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	maxp := slices.Clone(f.tables[ot.MustNewTag("maxp")])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n))
	hhea := slices.Clone(f.tables[ot.MustNewTag("hhea")])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n))
	hmtx := make([]byte, 4*n)
	for i, g := range m.origs {
		adv, lsb := f.metrics(int(g))
		binary.BigEndian.PutUint16(hmtx[4*i:], adv)
		binary.BigEndian.PutUint16(hmtx[4*i+2:], lsb)
	}
	// post version 3: no glyph names.
	post := make([]byte, 32)
	binary.BigEndian.PutUint32(post, 0x00030000)

	tables := []ot.Table{
		{Tag: ot.MustNewTag("head"), Content: head},
		{Tag: ot.MustNewTag("hhea"), Content: hhea},
		{Tag: ot.MustNewTag("maxp"), Content: maxp},
		{Tag: ot.MustNewTag("glyf"), Content: newGlyf},
		{Tag: ot.MustNewTag("loca"), Content: loca},
		{Tag: ot.MustNewTag("hmtx"), Content: hmtx},
		{Tag: ot.MustNewTag("post"), Content: post},
		{Tag: ot.MustNewTag("cmap"), Content: emptyCmap},
	}
	for _, name := range []string{"cvt ", "fpgm", "prep", "OS/2"} {
		if t, ok := f.tables[ot.MustNewTag(name)]; ok {
			tables = append(tables, ot.Table{Tag: ot.MustNewTag(name), Content: t})
		}
	}
	slices.SortFunc(tables, func(a, b ot.Table) int { return int(a.Tag) - int(b.Tag) })
	return ot.WriteTTF(tables)
}

// emptyCmap maps no character: the PDF addresses glyphs by number, but
// some readers refuse a TrueType font without a cmap. One Windows Unicode
// subtable, format 4, with only the closing segment.
var emptyCmap = []byte{
	0, 0, 0, 1, // version, one subtable
	0, 3, 0, 1, 0, 0, 0, 12, // Windows, Unicode BMP, at offset 12
	0, 4, 0, 24, 0, 0, // format 4, length 24, language
	0, 2, 0, 2, 0, 0, 0, 0, // segCountX2, searchRange, entrySelector, rangeShift
	0xff, 0xff, 0, 0, // endCode, reservedPad
	0xff, 0xff, 0, 1, 0, 0, // startCode, idDelta, idRangeOffset
}

// metrics is glyph g's advance width and left side bearing, as hmtx has
// them (bytes as stored).
func (f *Font) metrics(g int) (adv, lsb uint16) {
	hmtx := f.tables[ot.MustNewTag("hmtx")]
	nLong := int(binary.BigEndian.Uint16(f.tables[ot.MustNewTag("hhea")][34:]))
	if nLong == 0 || 4*nLong > len(hmtx) {
		return 0, 0
	}
	if g < nLong {
		return binary.BigEndian.Uint16(hmtx[4*g:]), binary.BigEndian.Uint16(hmtx[4*g+2:])
	}
	adv = binary.BigEndian.Uint16(hmtx[4*(nLong-1):])
	if off := 4*nLong + 2*(g-nLong); off+2 <= len(hmtx) {
		lsb = binary.BigEndian.Uint16(hmtx[off:])
	}
	return adv, lsb
}

// Composite glyph flags (TrueType glyf).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// componentRefs lists where, in a composite glyph, the ids of the glyphs
// it is drawn from are written.
func componentRefs(g []byte) []int {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	var out []int
	for p := 10; p+4 <= len(g); {
		flags := binary.BigEndian.Uint16(g[p:])
		out = append(out, p+2)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&haveTwoByTwo != 0:
			p += 8
		}
		if flags&moreComponents == 0 {
			break
		}
	}
	return out
}
