package main

// donations import donors|gifts FILE: the history a newsroom brings.

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/indienews/donations/config"
	"github.com/indienews/donations/imports"
	"github.com/indienews/donations/models"
)

func (a *app) importCmd(ctx context.Context, args []string) int {
	if len(args) == 0 || (args[0] != "donors" && args[0] != "gifts") {
		fmt.Fprint(a.stderr, "donations import: expected donors or gifts\n\n"+usage)
		return exitUsage
	}
	what := args[0]
	var mapping, dates string
	var dry bool
	file, ok := a.flagsAndFile("import "+what, args[1:], func(fs *flag.FlagSet) {
		fs.StringVar(&mapping, "mapping", "template", "the export's columns: template, donorbox or npsp")
		fs.BoolVar(&dry, "dry-run", false, "say what would be created, merged and rejected, and change nothing")
		if what == "gifts" {
			fs.StringVar(&dates, "dates", "", "read 03/04/2026 as mdy (March 4) or dmy (3 April)")
		}
	})
	if !ok {
		return exitUsage
	}
	m, known := imports.Mappings[mapping]
	if !known {
		names := make([]string, 0, len(imports.Mappings))
		for n := range imports.Mappings {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Fprintf(a.stderr, "donations import: no mapping %q (there are %s)\n", mapping, strings.Join(names, ", "))
		return exitUsage
	}
	if dates != "" && dates != "mdy" && dates != "dmy" {
		fmt.Fprintf(a.stderr, "donations import: --dates is mdy or dmy, got %q\n", dates)
		return exitUsage
	}
	f, err := os.Open(file)
	if err != nil {
		fmt.Fprintf(a.stderr, "donations import: %v\n", err)
		return exitError
	}
	defer f.Close()
	rejected := 0
	code := a.withStore(ctx, "import "+what, func(cfg *config.Config, _ *slog.Logger, store *models.Store) error {
		var res *imports.Result
		if what == "donors" {
			res, err = imports.ReadDonors(f, m)
		} else {
			res, err = imports.ReadGifts(f, m, imports.Options{Currency: cfg.Currency, Dates: dates, Now: time.Now()})
		}
		if err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		n := len(res.Donors) + len(res.Gifts)
		bar := a.progress(what, int64(n))
		var rep models.ImportReport
		if what == "donors" {
			rep, err = store.ImportDonors(ctx, res.Donors, dry, bar.add)
		} else {
			rep, err = store.ImportGifts(ctx, res.Gifts, dry, bar.add)
		}
		bar.finish()
		if err != nil {
			return err
		}
		rep.Rejected = append(res.Rejected, rep.Rejected...)
		rejected = len(rep.Rejected)
		verb := map[bool]string{true: "would ", false: ""}[dry]
		if what == "donors" {
			fmt.Fprintf(a.stdout, "%s: %s%s %d new donors, %s%s %d (filling what their records lacked), %d unchanged, %d rejected\n",
				file, verb, map[bool]string{true: "create", false: "created"}[dry], rep.Created, verb, map[bool]string{true: "merge", false: "merged"}[dry],
				rep.Merged, rep.Unchanged, rejected)
		} else {
			fmt.Fprintf(a.stdout, "%s: %s%s %d gifts (%d from new donors, %d merged into donors by email), %d already imported, %d receipts %s, %d held for details, %d rejected\n",
				file, verb, map[bool]string{true: "record", false: "recorded"}[dry], rep.Created+rep.Merged, rep.Created, rep.Merged, rep.Unchanged,
				rep.Receipts, map[bool]string{true: "to issue", false: "issued"}[dry], rep.Held, rejected)
		}
		for _, r := range rep.Rejected {
			fmt.Fprintf(a.stdout, "  line %d: %s\n", r.Line, r.Reason)
		}
		return nil
	})
	if code == exitOK && rejected > 0 {
		return exitError
	}
	return code
}
