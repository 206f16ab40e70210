package mail

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/indienews/donations/locale"
)

var update = flag.Bool("update", false, "rewrite the golden emails under testdata/")

// render writes a composed message as a golden file holds it.
func render(m Message) string {
	var b strings.Builder
	b.WriteString("To: " + m.To + "\nSubject: " + m.Subject + "\nMessage-ID: " + m.MessageID + "\nCause: " + m.Cause +
		"\nUnsubscribe: " + m.Unsubscribe + "\n")
	for _, a := range m.Attachments {
		b.WriteString("Attachment: " + a.Name + "\n")
	}
	b.WriteString("\n--- text\n" + m.Text + "--- html\n" + m.HTML + "\n")
	return b.String()
}

// golden compares got with testdata/dir/name.golden, or rewrites it with
// -update.
func golden(t *testing.T, dir, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", dir, name+".golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs from %s:\n%s", name, path, got)
	}
}

// TestEnglishEmailsUnchanged: every email kind, composed with no catalog,
// is byte for byte what it was before emails spoke other languages.
func TestEnglishEmailsUnchanged(t *testing.T) {
	composeAll(t, "en", testSettings(), newFixture("", ""))
	// Marks HTML escapes, in the organisation's and the donor's names.
	set, src := testSettings(), newFixture("", "")
	set.Org.Name = `Ann's "News" <&> Co+`
	src.donors["d1"].Name = `Zoë <b>O'Brien</b> & +1`
	for _, r := range src.receipts {
		r.DonorName = src.donors["d1"].Name
	}
	composeAll(t, "en-marks", set, src)
	// With a catalog, an English reader's are the same (save the
	// Content-Language header, which render leaves out).
	set = testSettings()
	set.Catalog = testCatalog(t, "en")
	composeAll(t, "en", set, newFixture("en", "en"))
	set.Catalog = testCatalog(t, "fr")
	composeAll(t, "en", set, newFixture("en", ""))
}

func testCatalog(t *testing.T, def string) *locale.Catalog {
	t.Helper()
	cat, err := locale.New(def, "CA")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func composeAll(t *testing.T, dir string, set Settings, src *fakeSource) {
	t.Helper()
	c, err := NewComposer(set, src, testDocs())
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range fixtureMessages() {
		out, err := c.Compose(context.Background(), &m)
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		golden(t, dir, m.ID, render(out))
	}
}
