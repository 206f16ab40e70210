package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"
)

// AxeTags are the rule sets every page must pass: WCAG 2.0 and 2.1, A and
// AA, and axe's best practices.
var axeTags = []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"}

// AxeViolation is one failed axe rule, with the elements it failed on.
type AxeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target  []any  `json:"target"`
		HTML    string `json:"html"`
		Summary string `json:"failureSummary"`
	} `json:"nodes"`
}

func (v AxeViolation) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s (%s): %s", v.ID, v.Impact, v.Help)
	for _, n := range v.Nodes {
		fmt.Fprintf(&b, "\n    %v %s\n      %s", n.Target, n.HTML, strings.ReplaceAll(n.Summary, "\n", "\n      "))
	}
	return b.String()
}

var axeSource = sync.OnceValues(func() (string, error) {
	_, file, _, _ := goruntime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(file), "axe", "node_modules", "axe-core", "axe.min.js"))
	return string(b), err
})

// Axe runs axe-core (pinned in testenv/axe/package-lock.json, installed by
// .ci/services) on the page the tab shows, and fails the test with every
// violation it finds. The script goes in through the DevTools protocol, so
// the page's Content-Security-Policy, which forbids inline scripts, still
// holds for the page's own code.
func Axe(t testing.TB, ctx context.Context, page string) {
	t.Helper()
	src, err := axeSource()
	if err != nil {
		Unavailable(t, "axe-core is not installed (bash .ci/services runs npm ci in testenv/axe): %v", err)
	}
	tags := `["` + strings.Join(axeTags, `","`) + `"]`
	run := `(async () => {
		if (!window.axe) { ` + src + `
		}
		const r = await axe.run(document, {runOnly: {type: "tag", values: ` + tags + `}, resultTypes: ["violations"]});
		return r.violations;
	})()`
	violations, err := chromedp.Run(ctx, chromedp.Evaluate[[]AxeViolation](run, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe on %s: %v", page, err)
	}
	for _, v := range violations {
		t.Errorf("axe on %s: %s", page, v)
	}
}
