package testenv

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// Browser starts Debian's headless Chromium with a fresh profile and
// returns a chromedp context for one tab.
func Browser(t testing.TB) context.Context {
	t.Helper()
	path := ChromiumPath()
	if path == "" {
		Unavailable(t, "no chromium on PATH (apt-get install chromium)")
	}
	opts := ChromiumOptions(path, t.TempDir())
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(actx)
	// The first call starts the browser, and its context's life is the
	// browser's: no timeout on it, only on what follows.
	if err := chromedp.Do(tab); err != nil {
		cancelTab()
		cancelAlloc()
		Unavailable(t, "starting chromium at %s: %v", path, err)
	}
	ctx, cancelTimeout := context.WithTimeout(tab, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	return ctx
}

// ChromiumPath is $CHROMIUM, or the first Chromium on PATH ("" if none).
func ChromiumPath() string {
	if path := os.Getenv("CHROMIUM"); path != "" {
		return path
	}
	for _, p := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if found, err := exec.LookPath(p); err == nil {
			return found
		}
	}
	return ""
}

// ChromiumOptions start headless Chromium from path with a fresh profile
// in dir. The flags keep it off the network (this machine has none) and
// let it run as root; the window is a phone's, where most donors are.
func ChromiumOptions(path, dir string) []chromedp.ExecAllocatorOption {
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.UserDataDir(dir),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.WindowSize(412, 915),
	}
}
