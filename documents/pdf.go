package documents

import (
	"io"

	"github.com/indienews/donations/documents/typeset"
)

// The PDF primitives every document is drawn with: flowing text, fields,
// rules and images, on typeset's shaped-text pages.

// doc is one document being drawn, in black unless told otherwise; or,
// with record, the list of its lines of text and nothing else.
type doc struct {
	d      *typeset.Doc
	color  [3]float64
	record *[]string
	sep    string   // between a field's label and its value
	langs  []string // the /Lang of each of the voice's languages
}

// newDoc starts a document of the rule set's, in v's language (its /Lang).
func (r *Renderer) newDoc(title, rules string, v voice) (*doc, error) {
	fonts, err := r.loadFonts()
	if err != nil {
		return nil, err
	}
	d := &doc{d: fonts.NewDocOn(title, r.paper(rules)), sep: v.sep(), langs: v.tags(rules)}
	d.d.Lang = d.langs[0]
	return d, nil
}

// paper is the sheet a rule set's documents are printed on: A4 outside
// the US (Canada's CRA and the UK print on it), unless PAPER_SIZE says.
func (r *Renderer) paper(rules string) typeset.PageSize {
	switch r.Paper {
	case "a4":
		return typeset.A4
	case "letter":
		return typeset.Letter
	}
	if rules == "us" || rules == "" {
		return typeset.Letter
	}
	return typeset.A4
}

// dayFirst: the rule set's country writes "4 December 2026" (Canada's
// official receipts, the UK), unless DATE_STYLE says otherwise.
func (r *Renderer) dayFirst(rules string) bool {
	switch r.DateStyle {
	case "day-month":
		return true
	case "month-day":
		return false
	}
	return rules == "ca" || rules == "uk"
}

// setColor sets the colour of the text that follows (0 to 255 each).
func (d *doc) setColor(r, g, b int) {
	d.color = [3]float64{float64(r) / 255, float64(g) / 255, float64(b) / 255}
}

// write flows text at the current position and ends the line.
func (d *doc) write(text string, size float64, bold bool) {
	if d.record != nil {
		*d.record = append(*d.record, text)
		return
	}
	style := typeset.Regular
	if bold {
		style = typeset.Bold
	}
	d.d.Text(size*0.5, typeset.Span{Text: text, Style: style, Size: size, Color: d.color})
	d.d.Gap(1)
}

// field writes "label: value" as one paragraph, the label in bold.
func (d *doc) field(label, value string) {
	sep := d.sep
	if sep == "" {
		sep = ": "
	}
	if d.record != nil {
		*d.record = append(*d.record, label+sep+value)
		return
	}
	d.d.Text(5.5, typeset.Span{Text: label + sep, Style: typeset.Bold, Size: 10, Color: d.color},
		typeset.Span{Text: value, Style: typeset.Regular, Size: 10, Color: d.color})
	d.d.Gap(0.5)
}

// each writes a text per language of the document's voice (voice.each),
// one paragraph after the other, each tagged with its own language.
func (d *doc) each(texts []string, size float64, bold bool) {
	for i, s := range texts {
		if d.record == nil && len(texts) == len(d.langs) && i > 0 {
			d.d.ParaLang = d.langs[i]
		}
		d.write(s, size, bold)
	}
	if d.record == nil {
		d.d.ParaLang = ""
	}
}

func (d *doc) gap(mm float64) {
	if d.record == nil {
		d.d.Gap(mm)
	}
}

// image draws a PNG at most w by h millimetres at the cursor.
func (d *doc) image(name string, png []byte, w, h float64) {
	if d.record == nil {
		d.d.Image(name, png, w, h)
	}
}

func (d *doc) rule() {
	if d.record == nil {
		d.d.Rule()
	}
}

func (d *doc) output(w io.Writer) error { return d.d.Output(w) }

// PlainPage writes lines with the same fonts, shaping and PDF writer and
// nothing else: given a statement's lines (StatementLines), the baseline
// the statements benchmark compares Statement against.
func (r *Renderer) PlainPage(w io.Writer, lines []string) error {
	v, err := r.voiceOf("en")
	if err != nil {
		return err
	}
	d, err := r.newDoc("baseline", "us", v)
	if err != nil {
		return err
	}
	for _, l := range lines {
		d.write(l, 10, false)
	}
	return d.output(w)
}
