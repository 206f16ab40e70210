package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"

	"github.com/indienews/donations/testenv"
)

// TestSmoke runs every measurement at a tiny size, so `make bench` keeps
// working; it checks each row has a figure, not what the figure is.
func TestSmoke(t *testing.T) {
	testenv.PostgresSchema(t) // fails under CI=true, skips elsewhere, when Postgres is missing
	var out, errb bytes.Buffer
	if code := run(context.Background(), []string{"-smoke", "-runs", "1", "-pg", testenv.PostgresURL()}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errb.String())
	}
	rows := regexp.MustCompile(`(?m)^\| [^-|][^|]* \| ([0-9.e+]+) `).FindAllStringSubmatch(out.String(), -1)
	if len(rows) != 38 {
		t.Fatalf("%d rows with a figure, want 38:\n%s", len(rows), out.String())
	}
	for _, r := range rows {
		if strings.Contains(r[0], "meter staleness") {
			continue // zero when the meter happened to be made just after the burst
		}
		if strings.Contains(r[0], "requests to other hosts") {
			if r[1] != "0" {
				t.Errorf("the donate page loads from other hosts: %s", r[0])
			}
			continue
		}
		if strings.HasPrefix(r[1], "0 ") || r[1] == "0" {
			t.Errorf("a zero figure: %s", r[0])
		}
	}
}
