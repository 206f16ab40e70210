package reports

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextNeutralisesFormulas(t *testing.T) {
	cases := map[string]string{
		"Ann Donor":               "Ann Donor",
		"=HYPERLINK(\"x\",\"y\")": "'=HYPERLINK(\"x\",\"y\")",
		"+1 555":                  "'+1 555",
		"-2+3":                    "'-2+3",
		"@SUM(A1)":                "'@SUM(A1)",
		"\t=1":                    "'\t=1",
		"\r=1":                    "'\r=1",
		"  =1":                    "'  =1",
		"\uFF1D1+1":               "'\uFF1D1+1",
		"":                        "",
		"Zoë Łukasz 王芳":           "Zoë Łukasz 王芳",
		"O'Brien - editor":        "O'Brien - editor",
	}
	for in, want := range cases {
		if got := Text(in); got != want {
			t.Errorf("Text(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzText: whatever a donor types as their name, the CSV cell never
// starts with something a spreadsheet runs as a formula.
func FuzzText(f *testing.F) {
	for _, s := range []string{"Ann", "=1+1", "+1", "-1", "@SUM(A1)", "\t=x", " =x", "\uFF1Dx", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := Text(s)
		trimmed := strings.TrimLeft(out, " ")
		if trimmed == "" {
			return
		}
		r, _ := utf8.DecodeRuneInString(trimmed)
		if strings.ContainsRune("=+-@\t\r\n\uFF1D\uFF0B\uFF0D\uFF20", r) {
			t.Fatalf("Text(%q) = %q starts with a formula character", s, out)
		}
		if out != s && out != "'"+s {
			t.Fatalf("Text(%q) = %q changed more than a prefix", s, out)
		}
	})
}
