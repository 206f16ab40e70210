package typeset

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"hash/fnv"
	"image/png"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf16"

	"github.com/go-text/typesetting/di"
	"github.com/go-text/typesetting/font"
	"github.com/go-text/typesetting/shaping"
)

// Span is text in one style, size (points) and colour (RGB, 0 to 1).
type Span struct {
	Text  string
	Style Style
	Size  float64
	Color [3]float64
}

// Doc is one PDF being written: pages of one size (US Letter unless told)
// with 20 mm margins, a cursor moving down them. Lengths in its methods
// are millimetres.
type Doc struct {
	size PageSize
	// Lang is the document's language ("en"), for readers and screen
	// readers; elems is its structure, paragraph by paragraph in reading
	// order, each marked in the pages' content by its MCIDs.
	Lang string
	// ParaLang is the language of the paragraphs set from now on where it
	// differs from Lang (the French lines of a bilingual receipt); "":
	// Lang's.
	ParaLang string
	elems    []structElem
	fonts    *Fonts
	st       *state
	title    string
	pages    []*page
	y        float64 // the cursor, in points from the top of the page
	used     map[*Font]*fontUse
	order    []*Font
	images   map[string]*imageUse
	err      error
	// scratch is reused to build each run's text operators.
	scratch []byte
}

// PageSize is a sheet's width and height in points.
type PageSize struct{ W, H float64 }

// The two sheets documents are printed on: North America's, and
// everywhere else's.
var (
	Letter = PageSize{612, 792}
	A4     = PageSize{595.28, 841.89}
)

const (
	margin  = 20 * ptPerMM
	ptPerMM = 72 / 25.4
)

// structElem is one tagged paragraph or heading: its role (P, H1, H2)
// and where its marked content lies.
type structElem struct {
	role string
	refs []mcRef
	// actual is the paragraph's text in reading order, for one that holds
	// right-to-left text: its glyphs are drawn in the order the bidi
	// algorithm lays them, and a reader copying or speaking it takes this.
	actual string
	lang   string // its own language, when not the document's
}

type mcRef struct{ page, mcid int }

type page struct {
	mcids   int // marked-content ids given on this page
	content bytes.Buffer
	fonts   []*fontUse
	images  []*imageUse
}

// fontUse is a font as one document uses it: its resource name, the
// glyphs drawn and the text each stands for.
type fontUse struct {
	id     int
	font   *Font
	face   *font.Face
	gids   glyphIDs
	glyphs map[uint16]string // the subset's glyph id -> the text it stands for
}

type imageUse struct {
	id               int
	width, height    int
	rgb, alpha       []byte
	objRGB, objAlpha int
}

// NewDoc starts a document on US Letter with one empty page.
func (fs *Fonts) NewDoc(title string) *Doc { return fs.NewDocOn(title, Letter) }

// NewDocOn starts a document on sheets of size, with one empty page.
func (fs *Fonts) NewDocOn(title string, size PageSize) *Doc {
	d := &Doc{size: size, fonts: fs, st: fs.state(), title: title, used: map[*Font]*fontUse{}, images: map[string]*imageUse{}}
	d.newPage()
	return d
}

func (d *Doc) newPage() {
	d.pages = append(d.pages, d.st.newPage())
	d.y = margin
}

func (d *Doc) page() *page { return d.pages[len(d.pages)-1] }

// Gap moves the cursor down.
func (d *Doc) Gap(mm float64) { d.y += mm * ptPerMM }

// Text sets spans as one paragraph, wrapped to the text width, each line
// leading millimetres below the one before; the cursor ends below it.
func (d *Doc) Text(leading float64, spans ...Span) {
	if d.st == nil || d.err != nil {
		return
	}
	// Shaping is a large library fed with whatever donors type: should it
	// panic, this document fails with an error, and the server goes on.
	defer func() {
		if p := recover(); p != nil {
			d.err = fmt.Errorf("setting a line of text: %v", p)
		}
	}()
	in := make([]span, len(spans))
	for i, s := range spans {
		in[i] = span{text: s.Text, style: s.Style, size: s.Size, color: s.Color}
	}
	p := d.st.shape(in)
	lead := leading * ptPerMM
	// The paragraph is one structure element (a heading when its text is
	// large), its lines marked content on each page it reaches.
	role, open := "P", false
	if len(spans) > 0 && spans[0].Size >= 14 {
		role = "H1"
	} else if len(spans) > 0 && spans[0].Size >= 12 {
		role = "H2"
	}
	elem := structElem{role: role, lang: d.ParaLang}
	for _, sp := range p.spans {
		if sp.rtl {
			elem.actual = string(p.text)
			break
		}
	}
	mark := func() {
		pg := d.page()
		elem.refs = append(elem.refs, mcRef{page: len(d.pages) - 1, mcid: pg.mcids})
		fmt.Fprintf(&pg.content, "/%s <</MCID %d>> BDC\n", role, pg.mcids)
		pg.mcids++
		open = true
	}
	for _, line := range d.st.wrap(p, d.size.W-2*margin) {
		if d.y+lead > d.size.H-margin {
			if open {
				d.page().content.WriteString("EMC\n")
				open = false
			}
			d.newPage()
		}
		if !open {
			mark()
		}
		// The baseline sits where fpdf put it: the middle of the line box,
		// lowered by a third of the largest size.
		var size float64
		for _, run := range line {
			size = max(size, float64(run.Size)/64)
		}
		d.drawLine(&p, line, margin, d.y+lead/2+size*0.35)
		d.y += lead
	}
	if open {
		d.page().content.WriteString("EMC\n")
		d.elems = append(d.elems, elem)
	}
	if len(p.runs) == 0 {
		d.y += lead
	}
}

// drawLine writes one line's runs, left to right, on the baseline (points
// from the top).
func (d *Doc) drawLine(p *shaped, line []shaping.Output, x, baseline float64) {
	c := &d.page().content
	y := d.size.H - baseline
	for _, run := range line {
		owner := d.st.owners[run.Face]
		if owner == nil || len(run.Glyphs) == 0 {
			x += float64(run.Advance) / 64
			continue
		}
		fu := d.use(owner, run.Face)
		size := float64(run.Size) / 64
		col := p.colorAt(run.Runes.Offset)
		fmt.Fprintf(c, "BT\n/F%d %s Tf\n%s %s %s rg\n", fu.id, num(size), num(col[0]), num(col[1]), num(col[2]))
		text := p.text[run.Runes.Offset : run.Runes.Offset+run.Runes.Count]
		// Where glyphs and letters are not one to one (conjuncts, reordered
		// vowels) the run says what it reads, so copying the text gives it
		// back in reading order. Not for right-to-left runs: readers put
		// their glyphs back in reading order by position, as they do for
		// every right-to-left PDF, and would reverse an ActualText.
		actual := false
		for _, g := range run.Glyphs {
			if g.RuneCount != 1 || g.GlyphCount != 1 {
				actual = run.Direction.Progression() != di.TowardTopLeft
			}
		}
		if actual {
			fmt.Fprintf(c, "/Span <</ActualText %s>> BDC\n", textString(string(text)))
		}
		open, inString, reposition := false, false, true
		b := d.scratch[:0]
		for _, g := range run.Glyphs {
			gid := fu.gids.id(uint16(g.GlyphID))
			// A glyph that is a whole cluster stands for its letters; the
			// parts of a many-glyph cluster stand for nothing alone (the
			// run's ActualText has them).
			if known, ok := fu.glyphs[gid]; !ok || known == "" {
				if g.GlyphCount == 1 && g.ClusterIndex >= 0 && g.ClusterIndex+g.RuneCount <= len(p.text) {
					fu.glyphs[gid] = string(p.text[g.ClusterIndex : g.ClusterIndex+g.RuneCount])
				} else if !ok {
					fu.glyphs[gid] = ""
				}
			}
			offset := g.XOffset != 0 || g.YOffset != 0
			if reposition || offset {
				if inString {
					b = append(b, '>')
				}
				if open {
					b = append(b, "] TJ\n"...)
				}
				b = append(b, "1 0 0 1 "...)
				b = appendNum(b, x+float64(g.XOffset)/64)
				b = append(b, ' ')
				b = appendNum(b, y+float64(g.YOffset)/64)
				b = append(b, " Tm ["...)
				open, inString = true, false
			}
			if !inString {
				b = append(b, '<')
				inString = true
			}
			b = append(b, hexDigits[gid>>12], hexDigits[gid>>8&15], hexDigits[gid>>4&15], hexDigits[gid&15])
			advance := float64(g.XAdvance) / 64
			natural := owner.width(run.Face, g.GlyphID) * size / 1000
			reposition = offset
			if !offset && math.Abs(natural-advance) > 0.001 {
				b = append(b, '>')
				b = appendNum(b, (natural-advance)*1000/size)
				inString = false
			}
			x += advance
		}
		if inString {
			b = append(b, '>')
		}
		c.Write(b)
		d.scratch = b
		if open {
			c.WriteString("] TJ\n")
		}
		if actual {
			c.WriteString("EMC\n")
		}
		c.WriteString("ET\n")
	}
}

// use is font f's record in this document, and on the current page.
func (d *Doc) use(f *Font, face *font.Face) *fontUse {
	fu, ok := d.used[f]
	if !ok {
		fu = &fontUse{id: len(d.order) + 1, font: f, face: face, gids: newGlyphIDs(), glyphs: map[uint16]string{}}
		d.used[f] = fu
		d.order = append(d.order, f)
	}
	if pg := d.page(); !slices.Contains(pg.fonts, fu) {
		pg.fonts = append(pg.fonts, fu)
	}
	return fu
}

// Rule draws a thin grey line across the text width.
func (d *Doc) Rule() {
	y := d.size.H - d.y
	// A rule is decoration: an artifact, which screen readers skip.
	fmt.Fprintf(&d.page().content, "/Artifact BMC 0.706 0.706 0.706 RG 0.567 w %s %s m %s %s l S EMC\n", num(margin), num(y), num(d.size.W-margin), num(y))
	d.y += 3 * ptPerMM
}

// Image draws a PNG at most w by h millimetres at the cursor, keeping its
// proportions, and moves below it. A PNG that does not decode makes the
// document fail (Output reports it).
func (d *Doc) Image(name string, data []byte, w, h float64) {
	im, ok := d.images[name]
	if !ok {
		var err error
		if im, err = decodePNG(data); err != nil {
			d.err = fmt.Errorf("image %s: %w", name, err)
			return
		}
		im.id = len(d.images) + 1
		d.images[name] = im
	}
	iw, ih := float64(im.width), float64(im.height)
	if iw*h > ih*w {
		h = w * ih / iw
	} else {
		w = h * iw / ih
	}
	wp, hp := w*ptPerMM, h*ptPerMM
	if d.y+hp > d.size.H-margin {
		d.newPage()
	}
	pg := d.page()
	if !slices.Contains(pg.images, im) {
		pg.images = append(pg.images, im)
	}
	// A signature is read as the name printed under it: an artifact.
	fmt.Fprintf(&pg.content, "/Artifact BMC q %s 0 0 %s %s %s cm /Im%d Do Q EMC\n", num(wp), num(hp), num(margin), num(d.size.H-d.y-hp), im.id)
	d.y += hp + ptPerMM
}

func decodePNG(data []byte) (*imageUse, error) {
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	b := img.Bounds()
	im := &imageUse{width: b.Dx(), height: b.Dy()}
	if im.width == 0 || im.height == 0 {
		return nil, fmt.Errorf("empty image")
	}
	im.rgb = make([]byte, 0, 3*im.width*im.height)
	alpha := make([]byte, 0, im.width*im.height)
	opaque := true
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, a := img.At(x, y).RGBA()
			// Un-premultiply: PDF wants the colour and its coverage apart.
			if a > 0 && a < 0xffff {
				r, g, bl = r*0xffff/a, g*0xffff/a, bl*0xffff/a
			}
			im.rgb = append(im.rgb, byte(r>>8), byte(g>>8), byte(bl>>8))
			alpha = append(alpha, byte(a>>8))
			opaque = opaque && a == 0xffff
		}
	}
	if !opaque {
		im.alpha = alpha
	}
	return im, nil
}

// Err is the first error the document met.
func (d *Doc) Err() error { return d.err }

// Close gives the document's shaping state back for the next document;
// Output closes, and a document abandoned before it should be closed.
func (d *Doc) Close() {
	if d.st != nil {
		d.st.keepPages(d.pages)
		d.st.trim()
		d.pages = nil
		d.fonts.keep(d.st)
		d.st = nil
	}
}

const hexDigits = "0123456789ABCDEF"

// appendNum appends num(v) without allocating.
func appendNum(b []byte, v float64) []byte {
	start := len(b)
	b = strconv.AppendFloat(b, v, 'f', 3, 64)
	for b[len(b)-1] == '0' {
		b = b[:len(b)-1]
	}
	if b[len(b)-1] == '.' {
		b = b[:len(b)-1]
	}
	if s := string(b[start:]); s == "-0" {
		b = append(b[:start], '0')
	}
	return b
}

// num writes a number as PDF wants it: short, no exponent.
func num(v float64) string {
	s := strconv.FormatFloat(v, 'f', 3, 64)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" || s == "" {
		return "0"
	}
	return s
}

// textString is a PDF text string: UTF-16BE with its byte order mark, in
// hexadecimal, so no character needs escaping.
func textString(s string) string {
	var b strings.Builder
	b.WriteString("<FEFF")
	for _, u := range utf16.Encode([]rune(s)) {
		fmt.Fprintf(&b, "%04X", u)
	}
	b.WriteString(">")
	return b.String()
}

// Output writes the PDF and closes the document.
func (d *Doc) Output(w io.Writer) error {
	defer d.Close()
	if d.err != nil {
		return d.err
	}
	if d.st == nil {
		return fmt.Errorf("document %q written twice", d.title)
	}
	out := &writer{zw: d.st.zlib(), buf: &d.st.file, z: &d.st.z}
	out.buf.Reset()
	out.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	// Object numbers: 1 catalog, 2 page tree, 3 info; the rest as written.
	out.next = 4
	fontObjs := map[*fontUse]int{}
	for _, f := range d.order {
		fu := d.used[f]
		obj, err := out.font(fu)
		if err != nil {
			return err
		}
		fontObjs[fu] = obj
	}
	for _, im := range d.images {
		im.objRGB, im.objAlpha = out.image(im)
	}
	// The structure tree's objects are numbered now: each page names its
	// entry in the parent tree, each element its page.
	rootObj, docObj := out.reserve(), out.reserve()
	elemObjs := make([]int, len(d.elems))
	for i := range elemObjs {
		elemObjs[i] = out.reserve()
	}
	pageObjs := make([]int, len(d.pages))
	for i := range pageObjs {
		pageObjs[i] = out.reserve()
	}
	var kids []string
	for i, pg := range d.pages {
		contents := out.stream("", pg.content.Bytes())
		var res strings.Builder
		res.WriteString("<< /Font <<")
		for _, fu := range pg.fonts {
			fmt.Fprintf(&res, " /F%d %d 0 R", fu.id, fontObjs[fu])
		}
		res.WriteString(" >>")
		if len(pg.images) > 0 {
			res.WriteString(" /XObject <<")
			for _, im := range pg.images {
				fmt.Fprintf(&res, " /Im%d %d 0 R", im.id, im.objRGB)
			}
			res.WriteString(" >>")
		}
		res.WriteString(" >>")
		out.objectAt(pageObjs[i], fmt.Sprintf(
			"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %s %s] /Resources %s /Contents %d 0 R /StructParents %d /Tabs /S >>",
			num(d.size.W), num(d.size.H), res.String(), contents, i))
		kids = append(kids, fmt.Sprintf("%d 0 R", pageObjs[i]))
	}
	// Each page's marked content, by MCID, belongs to one element.
	parents := make([][]string, len(d.pages))
	for i := range parents {
		parents[i] = make([]string, d.pages[i].mcids)
	}
	var elemRefs []string
	for i, e := range d.elems {
		var k []string
		for _, r := range e.refs {
			k = append(k, fmt.Sprintf("<< /Type /MCR /Pg %d 0 R /MCID %d >>", pageObjs[r.page], r.mcid))
			parents[r.page][r.mcid] = fmt.Sprintf("%d 0 R", elemObjs[i])
		}
		actual := ""
		if e.actual != "" {
			actual = " /ActualText " + textString(e.actual)
		}
		if e.lang != "" && e.lang != d.Lang {
			actual += " /Lang " + textString(e.lang)
		}
		out.objectAt(elemObjs[i], fmt.Sprintf("<< /Type /StructElem /S /%s /P %d 0 R /K [%s]%s >>", e.role, docObj, strings.Join(k, " "), actual))
		elemRefs = append(elemRefs, fmt.Sprintf("%d 0 R", elemObjs[i]))
	}
	var nums []string
	for i, p := range parents {
		nums = append(nums, fmt.Sprintf("%d [%s]", i, strings.Join(p, " ")))
	}
	parentTree := out.object(fmt.Sprintf("<< /Nums [%s] >>", strings.Join(nums, " ")))
	out.objectAt(docObj, fmt.Sprintf("<< /Type /StructElem /S /Document /P %d 0 R /K [%s] >>", rootObj, strings.Join(elemRefs, " ")))
	out.objectAt(rootObj, fmt.Sprintf("<< /Type /StructTreeRoot /K %d 0 R /ParentTree %d 0 R /ParentTreeNextKey %d >>", docObj, parentTree, len(d.pages)))
	lang := d.Lang
	if lang == "" {
		lang = "en"
	}
	out.objectAt(1, fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /MarkInfo << /Marked true >> /StructTreeRoot %d 0 R /Lang %s /ViewerPreferences << /DisplayDocTitle true >> >>",
		rootObj, textString(lang)))
	out.objectAt(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), len(kids)))
	out.objectAt(3, fmt.Sprintf("<< /Title %s /Creator (donations) /Producer (donations) >>", textString(d.title)))
	out.trailer()
	_, err := w.Write(out.buf.Bytes())
	return err
}

// writer lays out a PDF file's objects and its cross-reference table.
type writer struct {
	buf     *bytes.Buffer // the state's, reused
	offsets map[int]int
	next    int
	zw      *zlib.Writer  // reused: a new one allocates half a megabyte
	z       *bytes.Buffer // the state's, reused
}

func (w *writer) objectAt(n int, body string) {
	if w.offsets == nil {
		w.offsets = map[int]int{}
	}
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(w.buf, "%d 0 obj\n%s\nendobj\n", n, body)
}

// reserve takes an object number to be written later with objectAt.
func (w *writer) reserve() int {
	n := w.next
	w.next++
	return n
}

func (w *writer) object(body string) int {
	n := w.next
	w.next++
	w.objectAt(n, body)
	return n
}

// stream writes data compressed, with extra entries for its dictionary.
func (w *writer) stream(extra string, data []byte) int {
	w.deflate(data)
	return w.compressedStream(extra, w.z.Bytes()) // copied out before z is reused
}

// compress is data in zlib's format, in a new slice (a font's subsets
// are kept for later documents).
func (w *writer) compress(data []byte) []byte {
	w.deflate(data)
	return bytes.Clone(w.z.Bytes())
}

// deflate leaves data in zlib's format in w.z.
func (w *writer) deflate(data []byte) {
	w.z.Reset()
	w.zw.Reset(w.z)
	w.zw.Write(data)
	w.zw.Close()
}

// compressedStream writes a stream already compressed.
func (w *writer) compressedStream(extra string, z []byte) int {
	n := w.next
	w.next++
	if w.offsets == nil {
		w.offsets = map[int]int{}
	}
	w.offsets[n] = w.buf.Len()
	fmt.Fprintf(w.buf, "%d 0 obj\n<< /Length %d /Filter /FlateDecode%s >>\nstream\n", n, len(z), extra)
	w.buf.Write(z)
	w.buf.WriteString("\nendstream\nendobj\n")
	return n
}

func (w *writer) trailer() {
	xref := w.buf.Len()
	size := w.next
	fmt.Fprintf(w.buf, "xref\n0 %d\n0000000000 65535 f \n", size)
	for i := 1; i < size; i++ {
		fmt.Fprintf(w.buf, "%010d 00000 n \n", w.offsets[i])
	}
	fmt.Fprintf(w.buf, "trailer\n<< /Size %d /Root 1 0 R /Info 3 0 R >>\nstartxref\n%d\n%%%%EOF\n", size, xref)
}

// font writes a Type 0 font for the glyphs fu drew: the subset font
// file, its widths, and the text of each glyph.
func (w *writer) font(fu *fontUse) (int, error) {
	f := fu.font
	e := f.embedding(fu, w.compress)
	name := subsetTag(e.origs) + "+" + f.file.Name
	file := w.compressedStream(fmt.Sprintf(" /Length1 %d", e.length), e.z)
	desc := w.object(fmt.Sprintf("<< /Type /FontDescriptor /FontName /%s /Flags 32 /FontBBox [%s %s %s %s] /ItalicAngle 0 "+
		"/Ascent %s /Descent %s /CapHeight %s /StemV 80 /FontFile2 %d 0 R >>", name,
		num(f.bbox[0]), num(f.bbox[1]), num(f.bbox[2]), num(f.bbox[3]), num(f.ascent), num(f.descent), num(f.capHeight), file))
	cid := w.object(fmt.Sprintf("<< /Type /Font /Subtype /CIDFontType2 /BaseFont /%s "+
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor %d 0 R "+
		"/W [%s] /CIDToGIDMap /Identity >>", name, desc, e.widths))
	toUnicode := w.compressedStream("", e.toUnicode)
	return w.object(fmt.Sprintf("<< /Type /Font /Subtype /Type0 /BaseFont /%s /Encoding /Identity-H "+
		"/DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>", name, cid, toUnicode)), nil
}

// subsetTag names a subset by its glyphs, six capitals as PDF asks.
func subsetTag(gids []uint16) string {
	h := fnv.New32a()
	for _, g := range gids {
		h.Write([]byte{byte(g >> 8), byte(g)})
	}
	v := h.Sum32()
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + byte(v%26)
		v /= 26
	}
	return string(tag)
}

// toUnicodeCMap maps each of the first n glyphs to the text it stands for.
func toUnicodeCMap(n int, text map[uint16]string) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	var entries []string
	for g := uint16(0); int(g) < n; g++ {
		if t := text[g]; t != "" {
			hex := strings.TrimSuffix(strings.TrimPrefix(textString(t), "<FEFF"), ">")
			entries = append(entries, fmt.Sprintf("<%04X> <%s>", g, hex))
		}
	}
	for len(entries) > 0 {
		n := min(len(entries), 100)
		fmt.Fprintf(&b, "%d beginbfchar\n%s\nendbfchar\n", n, strings.Join(entries[:n], "\n"))
		entries = entries[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// image writes a picture and, when it has transparency, its soft mask.
func (w *writer) image(im *imageUse) (rgb, alpha int) {
	mask := ""
	if im.alpha != nil {
		alpha = w.stream(fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceGray /BitsPerComponent 8",
			im.width, im.height), im.alpha)
		mask = fmt.Sprintf(" /SMask %d 0 R", alpha)
	}
	rgb = w.stream(fmt.Sprintf(" /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB /BitsPerComponent 8%s",
		im.width, im.height, mask), im.rgb)
	return rgb, alpha
}
