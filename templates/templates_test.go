package templates

import (
	"io/fs"
	"regexp"
	"testing"
)

// TestOrgNameNeverFollowsADeterminer: newsrooms are often called "The
// Something", so "Your {{.Org}} membership" reads "Your The Riverton
// Ledger membership". No page or email puts a determiner before the name.
func TestOrgNameNeverFollowsADeterminer(t *testing.T) {
	bad := regexp.MustCompile(`(?i)\b(your|a|an|the|our|my|this)\s+\{\{\s*\$?\.Org\s*\}\}`)
	n := 0
	err := fs.WalkDir(Files, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := Files.ReadFile(path)
		if err != nil {
			return err
		}
		n++
		for _, m := range bad.FindAllString(string(b), -1) {
			t.Errorf("%s: %q reads wrong for a name beginning with \"The\"", path, m)
		}
		return nil
	})
	if err != nil || n < 40 {
		t.Fatalf("read %d templates: %v", n, err)
	}
}
