package main

import (
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// bar shows a long command's progress on stderr (done, total, rate and
// time left) when stderr is a terminal, and nothing otherwise: scripts
// and cron keep clean logs, and stdout is only ever the data.
type bar struct {
	pb  *progressbar.ProgressBar
	out *os.File
}

// progress starts a bar for total items called what ("receipts"); a total
// of -1 is not known yet (a spinner until setTotal). The bar of a command
// whose stderr is not a terminal does nothing.
func (a *app) progress(what string, total int64) *bar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return &bar{}
	}
	return &bar{out: f, pb: progressbar.NewOptions64(total,
		progressbar.OptionSetWriter(f),
		progressbar.OptionSetDescription(what),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString(what),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(f) }),
	)}
}

// set moves the bar to done of total (total may change as a listing grows).
func (b *bar) set(done, total int64) {
	if b.pb == nil {
		return
	}
	if total >= 0 && b.pb.GetMax64() != total {
		b.pb.ChangeMax64(total)
	}
	_ = b.pb.Set64(done) // a bar that cannot be drawn is not worth failing the command for
}

// add counts one more item done.
func (b *bar) add() {
	if b.pb != nil {
		_ = b.pb.Add64(1)
	}
}

// describe changes what the bar says it is doing.
func (b *bar) describe(what string) {
	if b.pb != nil {
		b.pb.Describe(what)
	}
}

// finish completes the bar (a newline ends its line).
func (b *bar) finish() {
	if b.pb != nil {
		_ = b.pb.Finish()
	}
}

// stop leaves the bar where it is, for a command that failed.
func (b *bar) stop() {
	if b.pb != nil {
		_ = b.pb.Exit()
		fmt.Fprintln(b.out)
	}
}
