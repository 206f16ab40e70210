package mail

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/indienews/donations/testenv"
)

// englishPhrases are the English words of every email template: none may
// be left in a French or Spanish email (once its links, names and tags are
// taken out).
var englishPhrases = []string{"thank you", "dear ", "hello", "your ", "you ", "receipt", "membership", "gift ", "payment",
	"write to", "please", "sign in", "attached", "cancelled", " the ", " of ", " and ", " on ", "not a receipt",
	"statement", " card", "amount", "no more emails", "acknowledgement", "refunded", "honour", "a month",
	"renews", "lapsed", "your data", "details", "void", "charged", "reporting", "dispute", "link "}

var (
	urls = regexp.MustCompile(`(https?|mailto):[^\s"<>]+`)
	tags = regexp.MustCompile(`<[^>]*>`)
)

// words is what a reader reads of a message: subject, text and HTML, less
// links, tags and the names that are no one's language.
func words(m Message) string {
	s := m.Subject + "\n" + m.Text + "\n" + tags.ReplaceAllString(m.HTML, " ")
	s = urls.ReplaceAllString(s, " ")
	for _, name := range []string{"The Ledger", "1 Main St, Montreal", "Ada Reader", "help@ledger.example", "ada@example.com", "Insider", "a tote bag", "Gift Aid", "HMRC"} {
		s = strings.ReplaceAll(s, name, " ")
	}
	return strings.ToLower(s)
}

// composeIn composes every fixture message for a donor who speaks lang, on
// a site whose default is def.
func composeIn(t *testing.T, def, donorLang, receiptLang string, change ...func(*fakeSource)) map[string]Message {
	t.Helper()
	set := testSettings()
	set.Catalog = testCatalog(t, def)
	src := newFixture(donorLang, receiptLang)
	for _, f := range change {
		f(src)
	}
	c, err := NewComposer(set, src, testDocs())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]Message{}
	for _, m := range fixtureMessages() {
		got, err := c.Compose(context.Background(), &m)
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		out[m.ID] = got
	}
	return out
}

// TestEmailsInFrenchAndSpanish: every kind of email, for a French and for a
// Spanish reader, is in their language from subject to footer, with money
// and dates as they write them, and says which language it is in.
func TestEmailsInFrenchAndSpanish(t *testing.T) {
	nb := "\u00a0"
	for _, tc := range []struct {
		lang string
		// what each language must show, per message
		want map[string][]string
	}{
		{"fr", map[string][]string{
			"receipt": {"Votre reçu 2026-000001", "1" + nb + "234,56" + nb + "$", "4 décembre 2026", "1" + nb + "233,05" + nb + "$", "1,51" + nb + "$",
				"En l’honneur de Jo.", "Bonjour Ada Reader,", "Des questions? Écrivez-nous à"},
			"receipt-membership": {"paiement mensuel d’adhésion", "25,00" + nb + "$", "Gérer votre adhésion"},
			"receipt-uk-test":    {"[TEST — ceci n’est pas un reçu] Merci de votre don", "20,00" + nb + "£", "accusé de réception"},
			"replacement":        {"Votre reçu corrigé 2026-000004", "remboursé en partie (30,00" + nb + "$ sur 100,00" + nb + "$)", "70,00" + nb + "$"},
			"void":               {"Le reçu 2026-000005 de The Ledger est annulé", "remboursé en entier", "ANNULÉ"},
			"payment-failed":     {"n’a pas été accepté", "votre carte"},
			"statement":          {"Votre relevé de dons 2026", "1" + nb + "329,56" + nb + "$", "Ne plus recevoir de courriels"},
			"sign-in":            {"Votre lien de connexion", "Me connecter", "30 minutes"},
			"details":            {"il nous faut votre adresse", "50,00" + nb + "$", "4 décembre 2026", "Compléter vos coordonnées"},
			"renewal":            {"se renouvelle le 1er mars 2027", "1" + nb + "200,00" + nb + "$", "Votre adhésion Insider vous donne droit à a tote bag."},
			"cancelled":          {"adhésion mensuelle de 25,00" + nb + "$", "Elle prend fin le 1er mars 2027", "reprenez-la au même montant"},
			"lapsed":             {"adhésion annuelle de 1" + nb + "200,00" + nb + "$", "a donc pris fin le\n1er mars 2027"},
			"reminder":           {"Depuis février 2025", "25,00" + nb + "$ par mois", "50,00" + nb + "$ en 2 paiements"},
			"data-ready":         {"Vos données de The Ledger sont prêtes", "Télécharger vos données"},
		}},
		{"es", map[string][]string{
			"receipt":            {"Su recibo 2026-000001", "$1,234.56", "4 de diciembre de 2026", "$1,233.05", "En honor a Jo.", "Estimado/a Ada Reader:", "¿Preguntas? Escríbanos a"},
			"receipt-membership": {"pago mensual de membresía", "$25.00", "Administre su membresía"},
			"receipt-uk-test":    {"[PRUEBA — no es un recibo] Gracias por su donación", "acuse de recibo"},
			"replacement":        {"Su recibo corregido 2026-000004", "reembolsado parcialmente ($30.00 de $100.00)", "$70.00"},
			"void":               {"El recibo 2026-000005 de The Ledger fue anulado", "reembolsado en su totalidad", "ANULADO"},
			"payment-failed":     {"no se procesó", "su tarjeta"},
			"statement":          {"Su estado de cuenta de donaciones 2026", "$1,329.56", "No recibir más correos"},
			"sign-in":            {"Su enlace para iniciar sesión", "Iniciar sesión"},
			"details":            {"necesitamos su dirección", "$50.00", "4 de diciembre de 2026", "Complete sus datos"},
			"renewal":            {"se renueva el 1 de marzo de 2027", "$1,200.00", "Su membresía Insider le ofrece a tote bag."},
			"cancelled":          {"membresía mensual de $25.00", "Termina el 1 de marzo de 2027"},
			"lapsed":             {"membresía anual de $1,200.00", "venció el\n1 de marzo de 2027"},
			"reminder":           {"Desde febrero de 2025", "$25.00 al mes", "$50.00 en 2 pagos"},
			"data-ready":         {"Sus datos de The Ledger están listos", "Descargar sus datos"},
		}},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			msgs := composeIn(t, "en", tc.lang, tc.lang, func(src *fakeSource) {
				// A void reason as the ledger writes it for a Canadian
				// gift (here as first written, in cents).
				src.receipts["r3"].VoidReason = "partially refunded (3000 of 10000)"
				// Two payments in the year before the reminder.
				src.giftsOfMs["m1"][1].PaidAt = &giftDay
			})
			if len(msgs) != len(tc.want) {
				t.Fatalf("%d messages, %d expected", len(msgs), len(tc.want))
			}
			for name, m := range msgs {
				if m.Language != tc.lang {
					t.Errorf("%s: Language %q", name, m.Language)
				}
				all := m.Subject + "\n" + m.Text + "\n" + m.HTML
				for _, w := range tc.want[name] {
					if !strings.Contains(all, w) {
						t.Errorf("%s lacks %q:\n%s", name, w, all)
					}
				}
				read := words(m)
				for _, en := range englishPhrases {
					if strings.Contains(read, en) {
						t.Errorf("%s still says %q in English:\n%s", name, en, read)
					}
				}
				if strings.Contains(all, "email.") || strings.Contains(all, "<no value>") {
					t.Errorf("%s shows a message id or an unfilled field:\n%s", name, all)
				}
				golden(t, tc.lang, name, render(m))
			}
		})
	}
}

// TestLanguageChosen: whose language an email is in.
func TestLanguageChosen(t *testing.T) {
	for _, tc := range []struct {
		name, def, donor, receipt, msg, want string
	}{
		{"a Spanish donor's receipt", "en", "es", "es", "receipt", "es"},
		{"a donor who never chose, on an English site", "en", "", "en", "receipt", "en"},
		{"a donor who never chose, on a French site: their statement", "fr", "", "fr", "statement", "fr"},
		{"a donor who never chose, on a French site: their sign-in link", "fr", "", "", "sign-in", "fr"},
		{"a Spanish donor's renewal notice", "fr", "es", "", "renewal", "es"},
		{"an old receipt, before languages: English", "fr", "fr", "", "receipt", "en"},
		{"a bilingual receipt, French donor", "en", "fr", "en,fr", "receipt", "fr"},
		{"a bilingual receipt, Spanish donor: the first", "en", "es", "en,fr", "void", "en"},
		{"a bilingual receipt, donor who never chose", "es", "", "fr,en", "replacement", "fr"},
		{"a gift made on the Spanish page, no donor yet", "fr", "es", "", "details", "es"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := composeIn(t, tc.def, tc.donor, tc.receipt)[tc.msg]
			if m.Language != tc.want {
				t.Errorf("Language %q, want %q (subject %q)", m.Language, tc.want, m.Subject)
			}
		})
	}
	// The donor's choice comes before the page the gift was made on.
	src := newFixture("fr", "")
	src.gifts["g7"].Language = "es"
	src.gifts["g7"].DonorID = ptr("d1")
	set := testSettings()
	set.Catalog = testCatalog(t, "en")
	c, err := NewComposer(set, src, testDocs())
	if err != nil {
		t.Fatal(err)
	}
	m := fixtureMessages()[8]
	m.DonorID = ptr("d1")
	if got, err := c.Compose(context.Background(), &m); err != nil || got.Language != "fr" || !strings.Contains(got.Subject, "il nous faut votre adresse") {
		t.Errorf("details for a French donor who gave on the Spanish page: %q %q %v", got.Language, got.Subject, err)
	}
	// A Spanish receipt reads Spanish, and an English one on the same site
	// English, byte for byte as before.
	if es := composeIn(t, "en", "es", "es")["receipt"]; !strings.HasPrefix(es.Text, "Estimado/a Ada Reader:") {
		t.Errorf("a Spanish donor's receipt email:\n%s", es.Text)
	}
}

// TestFrenchEmailThroughSMTP sends a French receipt through a real SMTP
// server and reads it back: subject, both parts (UTF-8 intact) and the
// Content-Language header.
func TestFrenchEmailThroughSMTP(t *testing.T) {
	mp := testenv.StartMailpit(t)
	sender, err := NewSender(mp.SMTPURL(), "Le Registre <recus@ledger.example>")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"receipt", "renewal"} {
		if err := sender.Send(context.Background(), composeIn(t, "fr", "fr", "fr")[name]); err != nil {
			t.Fatal(err)
		}
	}
	msgs := mp.WaitFor(2, 30*time.Second)
	if len(msgs) != 2 {
		t.Fatalf("%d messages, want 2", len(msgs))
	}
	for _, s := range msgs {
		m := mp.Message(s.ID)
		receipt := strings.HasPrefix(m.Subject, "Votre reçu 2026-000001")
		if !receipt && m.Subject != "Votre adhésion à The Ledger se renouvelle le 1er mars 2027" {
			t.Errorf("subject %q", m.Subject)
		}
		if receipt && (!strings.Contains(m.Text, "Merci de votre don de 1\u00a0234,56\u00a0$ à The Ledger le 4 décembre 2026.") ||
			!strings.Contains(m.HTML, "<strong>1\u00a0234,56\u00a0$</strong>") || len(m.Attachments) != 1) {
			t.Errorf("the French receipt as received:\n%s\n%s", m.Text, m.HTML)
		}
		resp, err := http.Get(mp.APIURL + "/api/v1/message/" + s.ID + "/headers")
		if err != nil {
			t.Fatal(err)
		}
		var headers map[string][]string
		err = json.NewDecoder(resp.Body).Decode(&headers)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		if got := headers["Content-Language"]; len(got) != 1 || got[0] != "fr" {
			t.Errorf("Content-Language %q", got)
		}
	}
	// An English reader's email says so too; with no catalog it says
	// nothing, as before.
	if m := composeIn(t, "en", "", "")["sign-in"]; m.Language != "en" {
		t.Errorf("English sign-in with a catalog: Language %q", m.Language)
	}
	c, err := NewComposer(testSettings(), newFixture("es", "es"), testDocs())
	if err != nil {
		t.Fatal(err)
	}
	m := fixtureMessages()[0]
	if got, err := c.Compose(context.Background(), &m); err != nil || got.Language != "" || !strings.HasPrefix(got.Text, "Dear Ada Reader,") {
		t.Errorf("with no catalog: Language %q, text %q, %v", got.Language, got.Text, err)
	}
}
