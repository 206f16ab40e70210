package reports

import "testing"

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
