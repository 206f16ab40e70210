package documents

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/go-text/typesetting/font"
	"github.com/klauspost/compress/zstd"

	"github.com/indienews/donations/locale"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// englishLabels are the words an English receipt or statement prints: none
// may be left on a French or Spanish one.
var englishLabels = []string{
	"Receipt", "this receipt", "receipt number", "Acknowledgement", "acknowledgement", "Donation", "Official", "Date issued", "Date of gift",
	"Place of issue", "Donor", "Address:", "Amount received", "(gift)", "Deductible", "deductible", "Eligible", "eligible",
	"Advantage received", "Goods or services", "valued at", "Authorised signature", "Canada Revenue Agency", "Verify",
	"Tax ID", "Charity registration", "Registered charity", "Thank you", "No goods", "exchange for", "Paid by", "Cheque no.",
	"Of which", "cover card fees", "claimed at your request", "not a tax receipt", "March", "Total", "VOID", "refunded",
	"not counted", "statement", "fiscal year", "Each receipt",
}

// rendererIn is a renderer with every language's words, for a newsroom in
// region.
func rendererIn(t *testing.T, def, region string) *Renderer {
	t.Helper()
	c, err := locale.New(def, region)
	if err != nil {
		t.Fatal(err)
	}
	r := New("https://news.example/", nil)
	r.Catalog = c
	return r
}

// checkPDF reads pdf back with pdftotext and checks that every want is in
// it (spaces, non-breaking ones too, counted as one) and no absent is;
// qpdf must find the file sound, and it must say it is in lang.
func checkPDF(t *testing.T, name string, pdf []byte, lang string, want, absent []string) string {
	t.Helper()
	text := testenv.PDFText(t, pdf)
	for _, w := range want {
		if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s lacks %q:\n%s", name, w, text)
		}
	}
	for _, a := range absent {
		if strings.Contains(text, a) {
			t.Errorf("%s has %q:\n%s", name, a, text)
		}
	}
	var tag strings.Builder
	for _, u := range utf16.Encode([]rune(lang)) {
		fmt.Fprintf(&tag, "%04X", u)
	}
	if !bytes.Contains(pdf, []byte("/Lang <FEFF"+tag.String()+">")) {
		t.Errorf("%s: the document's language is not %s", name, lang)
	}
	qpdfCheck(t, name, pdf)
	return text
}

func qpdfCheck(t *testing.T, name string, pdf []byte) {
	t.Helper()
	if _, err := exec.LookPath("qpdf"); err != nil {
		testenv.Unavailable(t, "qpdf is not installed (bash .ci/services installs it)")
	}
	f := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(f, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("qpdf", "--check", f).CombinedOutput(); err != nil || !strings.Contains(string(out), "No syntax or stream encoding errors found") {
		t.Errorf("qpdf --check %s: %v\n%s", name, err, out)
	}
	if dir := os.Getenv("RENDER_DIR"); dir != "" {
		os.WriteFile(filepath.Join(dir, name+".pdf"), pdf, 0o644)
	}
}

// pages counts a PDF's pages.
func pages(pdf []byte) int { return bytes.Count(pdf, []byte("<< /Type /Page /Parent")) }

// caReceipt is a Canadian receipt with every field the CRA asks for, an
// advantage, and a cheque.
func caReceipt(t *testing.T) *models.Receipt {
	rec := sample()
	rec.WordingVersion, rec.PlaceOfIssue, rec.Signatory, rec.OrgTaxID = "ca-1", "Toronto, Ontario", "Jane Treasurer", "123456789RR0001"
	rec.Currency, rec.Amount, rec.FeeCovered, rec.BenefitValue, rec.BenefitDescription, rec.DeductibleAmount = "cad", 123456, 0, 2500, "Gala dinner", 120956
	rec.Method, rec.MethodReference = models.MethodCheque, "1042"
	rec.DonorAddressLine1, rec.DonorAddressCity, rec.DonorAddressState, rec.DonorAddressPostalCode, rec.DonorAddressCountry =
		"12 Rue Saint-Paul", "Montréal", "QC", "H2Y 1Z5", "CA"
	rec.SignatureID, rec.SignaturePNG = "abc", pngOf(t, 120, 40)
	return rec
}

// TestReceiptsInFrenchAndSpanish: a receipt frozen in French or Spanish
// prints every field its rule set asks for in that language, amounts and
// dates as the language writes them, and no English label.
func TestReceiptsInFrenchAndSpanish(t *testing.T) {
	us := func(*testing.T) *models.Receipt {
		rec := sample()
		rec.WordingVersion, rec.Frequency, rec.BenefitDescription, rec.BenefitValue, rec.DeductibleAmount = "us-2", "month", "Tote bag", 208, 2398
		return rec
	}
	uk := func(*testing.T) *models.Receipt {
		rec := sample()
		rec.WordingVersion, rec.OrgTaxID, rec.Currency, rec.GiftAid, rec.FeeCovered = "uk-1", "1234567", "gbp", true, 0
		return rec
	}
	cases := []struct {
		name, lang, region, tag string
		receipt                 func(*testing.T) *models.Receipt
		want                    []string
	}{
		{"us fr", "fr", "US", "fr", us, []string{"The Ledger", "Numéro d'identification fiscale (EIN) : 12-3456789", "Reçu de don",
			"Numéro de série du reçu : 2026-000042", "Date de délivrance : 5 mars 2026", "Date du don : 4 mars 2026",
			"Donateur : Zoë Łukasz 王芳", "Adresse : 1 Main St, Springfield, US", "Montant reçu : 26,06 $ (cotisation mensuelle de membre)",
			"Dont les frais de carte que le donateur a choisi de couvrir : 1,06 $", "Biens ou services fournis : Tote bag, d'une valeur de 2,08 $",
			"Montant déductible : 23,98 $", "valeur estimée de bonne foi à 2,08 $ : Tote bag.", "impôt fédéral sur le revenu",
			"Vérifiez ce reçu : https://news.example/receipts/verify/ABCDEFGHIJKLMNOPQRST (code ABCDEFGHIJKLMNOPQRST)"}},
		{"us es", "es", "US", "es", us, []string{"Número de identificación fiscal (EIN): 12-3456789", "Recibo de donación",
			"Número de recibo: 2026-000042", "Fecha de emisión: 5 de marzo de 2026", "Fecha de la donación: 4 de marzo de 2026",
			"Donante: Zoë Łukasz 王芳", "Dirección: 1 Main St, Springfield, US", "Monto recibido: $26.06 (cuota mensual de membresía)",
			"Bienes o servicios proporcionados: Tote bag, con un valor de $2.08", "Monto deducible: $23.98",
			"valor estimado de buena fe de $2.08: Tote bag.", "Verifique este recibo: https://news.example/receipts/verify/"}},
		{"ca fr", "fr", "CA", "fr-CA", caReceipt, []string{"Numéro d'enregistrement d'organisme de bienfaisance : 123456789RR0001",
			"Reçu officiel de don aux fins de l'impôt sur le revenu", "Numéro de série du reçu : 2026-000042",
			"Date de délivrance : 5 mars 2026", "Lieu de délivrance : Toronto, Ontario", "Date du don : 4 mars 2026",
			"Donateur : Zoë Łukasz 王芳", "Adresse : 12 Rue Saint-Paul, Montréal, QC, H2Y 1Z5, CA",
			"Montant reçu : 1 234,56 $ (don)", "Mode de paiement : Chèque nº 1042", "Avantage reçu : Gala dinner, d'une valeur de 25,00 $",
			"Montant admissible du don aux fins de l'impôt : 1 209,56 $", "Ceci est un reçu officiel aux fins de l'impôt sur le revenu.",
			"Signature autorisée : Jane Treasurer", "Agence du revenu du Canada : canada.ca/organismes-bienfaisance-dons", "Vérifiez ce reçu"}},
		{"ca es", "es", "CA", "es", caReceipt, []string{"Número de registro de la organización benéfica: 123456789RR0001",
			"Recibo oficial de donación a efectos del impuesto sobre la renta", "Número de recibo: 2026-000042",
			"Fecha de emisión: 5 de marzo de 2026", "Lugar de emisión: Toronto, Ontario", "Fecha de la donación: 4 de marzo de 2026",
			"Monto recibido: $1,234.56 (donación)", "Forma de pago: Cheque n.º 1042", "Ventaja recibida: Gala dinner, con un valor de $25.00",
			"Monto elegible de la donación a efectos fiscales: $1,209.56", "Firma autorizada: Jane Treasurer",
			"Agencia de Ingresos de Canadá: canada.ca/charities-giving"}},
		{"uk fr", "fr", "GB", "fr", uk, []string{"Numéro d'organisme de bienfaisance enregistré : 1234567", "Merci de votre don",
			"Numéro de l'accusé de réception : 2026-000042", "Date de délivrance : 5 mars 2026", "Montant reçu : 26,06 £ (don)",
			"Gift Aid : réclamé à votre demande", "Ceci n'est pas un reçu fiscal", "Vérifiez cet accusé de réception"}},
		{"uk es", "es", "GB", "es", uk, []string{"Número de organización benéfica registrada: 1234567", "Gracias por su donación",
			"Número del acuse de recibo: 2026-000042", "Fecha de emisión: 5 de marzo de 2026", "Monto recibido: 26,06 £ (donación)",
			"Gift Aid: solicitado a petición suya", "Esto no es un recibo fiscal", "Verifique este acuse de recibo"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rec := c.receipt(t)
			rec.Language = c.lang
			var buf bytes.Buffer
			if err := rendererIn(t, "en", c.region).Receipt(&buf, rec); err != nil {
				t.Fatal(err)
			}
			checkPDF(t, "receipt-"+strings.ReplaceAll(c.name, " ", "-"), buf.Bytes(), c.tag, c.want, englishLabels)
		})
	}
}

// TestVoidReceiptInFrench: the ledger's void reasons are translated,
// a partial refund's amounts written the French way.
func TestVoidReceiptInFrench(t *testing.T) {
	r := rendererIn(t, "en", "CA")
	for reason, want := range map[string]string{
		"refunded in full": "ANNULÉ — ce reçu est annulé : remboursé en entier",
		"partially refunded (CA$30.00 of CA$1,100.00)": "ANNULÉ — ce reçu est annulé : remboursé en partie (30,00 $ sur 1 100,00 $)",
		"partially refunded (3000 of 110000)":          "remboursé en partie (30,00 $ sur 1 100,00 $)",
		// A gift paid in US dollars, receipted in Canadian ones: its
		// amounts are not the receipt's currency, and stay as written.
		"partially refunded ($30.00 of $1,100.00)": "remboursé en partie ($30.00 sur $1,100.00)",
		"voided by staff: wrong donor":             "annulé par l'équipe : wrong donor",
		"dispute lost (chargeback)":                "contestation perdue (rétrofacturation)",
	} {
		rec := caReceipt(t)
		rec.Language, rec.Status, rec.VoidReason, rec.Replaces = "fr", models.ReceiptVoid, reason, "2026-000041"
		var buf bytes.Buffer
		if err := r.Receipt(&buf, rec); err != nil {
			t.Fatal(err)
		}
		checkPDF(t, "void-fr", buf.Bytes(), "fr-CA", []string{want, "Ce reçu remplace le reçu 2026-000041, qui est annulé."}, englishLabels)
	}
}

// TestBilingualCanadianReceipt: RECEIPT_LANGUAGES=en,fr froze "en,fr":
// one page carries every field the CRA asks for in English and in French.
func TestBilingualCanadianReceipt(t *testing.T) {
	rec := caReceipt(t)
	rec.Language = "en,fr"
	var buf bytes.Buffer
	if err := rendererIn(t, "en", "CA").Receipt(&buf, rec); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "receipt-ca-en-fr", buf.Bytes(), "en", []string{
		"Charity registration number / Numéro d'enregistrement d'organisme de bienfaisance: 123456789RR0001",
		"Official receipt for income tax purposes", "Reçu officiel de don aux fins de l'impôt sur le revenu",
		"Receipt number / Numéro de série du reçu: 2026-000042",
		"Date issued / Date de délivrance: 5 March 2026 / 5 mars 2026",
		"Place of issue / Lieu de délivrance: Toronto, Ontario",
		"Date of gift / Date du don: 4 March 2026 / 4 mars 2026",
		"Donor / Donateur: Zoë Łukasz 王芳", "Address / Adresse: 12 Rue Saint-Paul, Montréal, QC, H2Y 1Z5, CA",
		"Amount received / Montant reçu: CA$1,234.56 (gift) / 1 234,56 $ (don)",
		"Paid by / Mode de paiement: Cheque no. 1042 / Chèque nº 1042",
		"Advantage received / Avantage reçu: Gala dinner, valued at CA$25.00 / Gala dinner, d'une valeur de 25,00 $",
		"Eligible amount of gift for tax purposes / Montant admissible du don aux fins de l'impôt: CA$1,209.56 / 1 209,56 $",
		"This is an official receipt for income tax purposes.", "Ceci est un reçu officiel aux fins de l'impôt sur le revenu.",
		"Authorised signature / Signature autorisée: Jane Treasurer",
		"Canada Revenue Agency: canada.ca/charities-giving", "Agence du revenu du Canada : canada.ca/organismes-bienfaisance-dons",
		"Verify this receipt: https://news.example/receipts/verify/", "Vérifiez ce reçu : https://news.example/receipts/verify/",
	}, nil)
	if n := pages(buf.Bytes()); n != 1 {
		t.Errorf("the bilingual receipt takes %d pages", n)
	}
	// Its French sentences say they are French, for a screen reader.
	if !bytes.Contains(buf.Bytes(), []byte("/Lang <FEFF00660072002D00430041> >>")) {
		t.Errorf("no structure element of the bilingual receipt is in fr-CA")
	}
	// A void, replacing one, in test mode, still one page.
	rec.Status, rec.VoidReason, rec.Replaces, rec.Livemode = models.ReceiptVoid, "refunded in full", "2026-000041", false
	buf.Reset()
	if err := rendererIn(t, "en", "CA").Receipt(&buf, rec); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "receipt-ca-en-fr-void", buf.Bytes(), "en", []string{"TEST — not a receipt / TEST — ceci n'est pas un reçu",
		"VOID — this receipt is cancelled: refunded in full", "ANNULÉ — ce reçu est annulé : remboursé en entier",
		"This receipt replaces receipt 2026-000041", "Ce reçu remplace le reçu 2026-000041"}, nil)
	if n := pages(buf.Bytes()); n != 1 {
		t.Errorf("the bilingual void test receipt takes %d pages", n)
	}
}

// TestEnglishWithACatalogIsUnchanged: with every language loaded, an
// English receipt (or one from before languages) prints as it did without.
func TestEnglishWithACatalogIsUnchanged(t *testing.T) {
	for _, lang := range []string{"", "en", "xx"} {
		for _, wording := range []string{"us-1", "ca-1", "uk-1"} {
			rec := sample()
			rec.Language, rec.WordingVersion = lang, wording
			var plain, localised bytes.Buffer
			if err := New("https://news.example/", nil).Receipt(&plain, rec); err != nil {
				t.Fatal(err)
			}
			if err := rendererIn(t, "fr", "CA").Receipt(&localised, rec); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(plain.Bytes(), localised.Bytes()) {
				t.Errorf("%s receipt in %q differs with a catalog", wording, lang)
			}
		}
	}
}

// TestStatementInFrench: a donor who chose French gets their statement in
// French: labels, amounts, void reasons, the CRA's note.
func TestStatementInFrench(t *testing.T) {
	kept, void := *caReceipt(t), *caReceipt(t)
	kept.Language = "en,fr"
	void.Number, void.Status, void.VoidReason = "2026-000043", models.ReceiptVoid, "refunded in full"
	st := NewStatement(models.Org{}, &models.Donor{Name: "Zoë", Address: models.Address{Line1: "12 Rue Saint-Paul", City: "Montréal"}, Language: "fr"},
		2026, []models.Receipt{kept, void})
	if st.Language != "fr" {
		t.Fatalf("the statement's language is %q, not the donor's", st.Language)
	}
	r := rendererIn(t, "en", "CA")
	var buf bytes.Buffer
	if err := r.Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "statement-fr", buf.Bytes(), "fr-CA", []string{"The Ledger",
		"Numéro d'enregistrement d'organisme de bienfaisance : 123456789RR0001", "Relevé annuel de dons, exercice 2026",
		"Donateur : Zoë", "Adresse : 12 Rue Saint-Paul, Montréal", "2026-000042 2026-03-04 1 234,56 $ admissible 1 209,56 $",
		"2026-000043 2026-03-04 1 234,56 $ ANNULÉ (remboursé en entier), non compté", "Montant admissible total : 1 209,56 $",
		"Ce relevé résume vos reçus officiels", "Chaque reçu énuméré a été délivré séparément"}, englishLabels)
	if lines := r.StatementLines(st); len(lines) == 0 || !strings.Contains(strings.Join(lines, "\n"), "Montant admissible total\u00a0: 1\u00a0209,56\u00a0$") {
		t.Errorf("StatementLines:\n%s", strings.Join(lines, "\n"))
	}

	// A donor who never chose: the site's default language; without a
	// catalog, English.
	st.Language = ""
	buf.Reset()
	if err := rendererIn(t, "fr", "CA").Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "statement-default-fr", buf.Bytes(), "fr-CA", []string{"Relevé annuel de dons, exercice 2026"}, nil)
	buf.Reset()
	if err := New("https://news.example", nil).Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "statement-default-en", buf.Bytes(), "en", []string{"Year-end giving statement, fiscal year 2026", "Total eligible amount: CA$1,209.56"}, nil)
}

// TestStatementInSpanishAcrossCurrencies: totals per currency, in Spanish.
func TestStatementInSpanishAcrossCurrencies(t *testing.T) {
	usd, eur := *sample(), *sample()
	eur.Number, eur.Amount, eur.Currency, eur.DeductibleAmount = "2026-000043", 2000, "eur", 2000
	st := NewStatement(models.Org{}, &models.Donor{Name: "Ann", Language: "es"}, 2026, []models.Receipt{usd, eur})
	var buf bytes.Buffer
	if err := rendererIn(t, "en", "US").Statement(&buf, st); err != nil {
		t.Fatal(err)
	}
	checkPDF(t, "statement-es", buf.Bytes(), "es", []string{"Resumen anual de donaciones, año fiscal 2026", "Donante: Ann",
		"$26.06 deducible $26.06", "Monto deducible total en EUR: 20,00 €", "Monto deducible total en USD: $26.06",
		"Las donaciones en monedas distintas se suman por separado"}, englishLabels)
}

// accented are the letters and signs French and Spanish documents print
// beyond ASCII.
const accented = "éèêëàâçîïôûùüÿœæÉÈÀÇÔñÑáíóúÁÍÓÚ¿¡«»\u00a0€£ºª—’"

// TestFontsDrawFrenchAndSpanish: DejaVu Sans, regular and bold, has a
// glyph for each, and a page of them reads back as written, drawn with
// DejaVu alone.
func TestFontsDrawFrenchAndSpanish(t *testing.T) {
	dec, err := zstd.NewReader(nil)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	for _, name := range []string{"DejaVuSans", "DejaVuSans-Bold"} {
		data, err := unpackFont(dec, name)
		if err != nil {
			t.Fatal(err)
		}
		face, err := font.ParseTTF(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range accented {
			if _, ok := face.NominalGlyph(r); !ok {
				t.Errorf("%s has no glyph for %q (U+%04X)", name, r, r)
			}
		}
	}
	line := "« ¿Qué tal? ¡Très bien, garçon ! » Año, señor, déjà-vu, 1\u00a0234,56\u00a0$"
	var buf bytes.Buffer
	if err := New("https://news.example", nil).PlainPage(&buf, []string{line, accented}); err != nil {
		t.Fatal(err)
	}
	text := testenv.PDFText(t, buf.Bytes())
	if want := strings.Join(strings.Fields(line), " "); !strings.Contains(text, want) {
		t.Errorf("PDF text lacks %q:\n%s", want, text)
	}
	if want := strings.Join(strings.Fields(accented), " "); !strings.Contains(text, want) {
		t.Errorf("PDF text lacks %q:\n%s", want, text)
	}
	for _, fallback := range []string{"DroidSansFallback", "NotoSans", "NanumGothic"} {
		if bytes.Contains(buf.Bytes(), []byte(fallback)) {
			t.Errorf("French and Spanish letters fell back to %s", fallback)
		}
	}
	qpdfCheck(t, "accents", buf.Bytes())
}
