// Package jobs runs background work on River, the job engine on our own
// database (Postgres, or SQLite for the embedded default): sending emails,
// enqueued in the transaction that causes them, making the files of the
// long downloads (exports.go), and the periodic reconciliation with
// Stripe. River's leader election makes sure
// that, with several server instances, only one schedules it at a time.
// It must not hold business logic: workers call into ingest and models.
package jobs

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/indienews/donations/ingest"
	"github.com/indienews/donations/models"
)

// DB is what River needs of the store: its pool and which database it is.
type DB interface {
	SQL() *sql.DB
	Dialect() string
}

func driver(db DB) riverdriver.Driver[*sql.Tx] {
	if db.Dialect() == models.DialectSQLite {
		return riversqlite.New(db.SQL())
	}
	return riverdatabasesql.New(db.SQL())
}

// Migrate brings River's own tables up to date.
func Migrate(ctx context.Context, db DB) error {
	m, err := rivermigrate.New(driver(db), nil)
	if err != nil {
		return err
	}
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("river migrations: %w", err)
	}
	return nil
}

// ReconcileArgs is the periodic reconciliation job.
type ReconcileArgs struct {
	WindowSeconds int64 `json:"window_seconds"`
}

// Kind names the job in River's table.
func (ReconcileArgs) Kind() string { return "reconcile_stripe" }

type reconcileWorker struct {
	river.WorkerDefaults[ReconcileArgs]
	lister  ingest.Lister
	store   ingest.ReconcileStore
	log     *slog.Logger
	now     func() time.Time
	timeout time.Duration
}

// Timeout leaves room for a large window of events (ten minutes), and
// stays under the rescue time so that a live run is never run twice.
func (w *reconcileWorker) Timeout(*river.Job[ReconcileArgs]) time.Duration { return w.timeout }

func (w *reconcileWorker) Work(ctx context.Context, job *river.Job[ReconcileArgs]) error {
	since := w.now().Add(-time.Duration(job.Args.WindowSeconds) * time.Second)
	sum, err := ingest.Reconcile(ctx, w.lister, w.store, since)
	if err != nil {
		return err
	}
	level := slog.LevelInfo
	if sum.New > 0 || len(sum.Rejected) > 0 || !sum.OK() {
		// A healed event means a webhook was missed: worth a look.
		level = slog.LevelWarn
	}
	w.log.Log(ctx, level, "reconciled with Stripe", "since", since, "seen", sum.Seen, "new", sum.New,
		"known", sum.Known, "skipped", len(sum.Skipped), "rejected", len(sum.Rejected), "failed", len(sum.Failed))
	if !sum.OK() {
		return fmt.Errorf("%d events failed to apply: %v", len(sum.Failed), sum.Failed)
	}
	return nil
}

// Options configure the runner.
type Options struct {
	Lister ingest.Lister // nil: no reconciliation (demo mode)
	Store  ingest.ReconcileStore
	Every  time.Duration // 0: no reconciliation
	Window time.Duration
	Logger *slog.Logger
	Now    func() time.Time
	// FetchPoll is how often River looks for work; tests shorten it.
	FetchPoll time.Duration

	Emails   EmailStore  // nil: no email worker
	SignIns  SignInStore // nil: no worker for sign-in requests
	Composer Composer
	Sender   Sender // nil: messages are kept as unsent
	// Retry overrides River's backoff (tests make it quick).
	Retry river.ClientRetryPolicy

	// Renewals, when set with RenewalDays above 0, is asked every
	// RenewalEvery to queue the renewal notices due within RenewalDays.
	Renewals        RenewalStore
	RenewalDays     int
	RenewalEvery    time.Duration
	MonthlyReminder bool

	// Exports, when set, works the long downloads and removes their files
	// after their keep.
	Exports *Exports
	// Limits, when set, forgets old card-testing counters every hour.
	Limits LimitStore
	// Books, when set, runs donations check every night at 3 in
	// BooksLocation (the organisation's time zone) and keeps the result.
	Books         BookStore
	BooksLocation *time.Location
	// Retention, when set, erases donors inactive for InactiveYears (0:
	// never) and purges erased donors' tax records once the law no longer
	// keeps them, every night at 4; Customers deletes their Stripe
	// customers.
	Retention     RetentionStore
	Customers     CustomerDeleter
	InactiveYears int
	// Outbound, when set, delivers events to the endpoints.
	Outbound *Outbound
	// RescueAfter is how long a job may stay running before the engine
	// takes it for the work of a dead instance and runs it again: an
	// export killed with its server resumes after this. 0: 35 minutes,
	// past the longest job's own time limit.
	RescueAfter time.Duration
}

// DefaultRescueAfter is RescueAfter's default.
const DefaultRescueAfter = 35 * time.Minute

// Runner owns the River client.
type Runner struct {
	client  *river.Client[*sql.Tx]
	pgx     *river.Client[pgx.Tx] // Postgres: inserts only, in our transactions (insertTx)
	working bool
	fees    bool // a worker fetches payments' balance transactions
}

// NewRunner builds the River client with its workers and periodic jobs.
func NewRunner(db DB, o Options) (*Runner, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.FetchPoll == 0 {
		o.FetchPoll = time.Second
	}
	workers := river.NewWorkers()
	if o.Emails != nil {
		river.AddWorker(workers, &emailWorker{store: o.Emails, composer: o.Composer, sender: o.Sender, log: o.Logger})
	}
	if o.SignIns != nil {
		river.AddWorker(workers, &signInWorker{store: o.SignIns})
	}
	rescue := cmp.Or(o.RescueAfter, DefaultRescueAfter)
	cfg := &river.Config{
		RetryPolicy:          o.Retry,
		RescueStuckJobsAfter: rescue,
		// The engine's limit for jobs without their own; it may not exceed
		// the rescue time.
		JobTimeout:        min(time.Minute, rescue),
		Logger:            o.Logger.With("component", "river"),
		PollOnly:          true, // neither database/sql driver can LISTEN
		FetchPollInterval: o.FetchPoll,
		// While work keeps coming (a burst of deliveries), fetch again this
		// soon rather than River's 100 ms, which caps a queue at its worker
		// count ten times a second; idle, it polls at FetchPoll.
		FetchCooldown: 20 * time.Millisecond,
		Workers:       workers,
		Queues:        map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 2}},
	}
	if o.Lister != nil && o.Every > 0 {
		if o.Every < time.Second {
			return nil, fmt.Errorf("reconcile interval %s is under a second", o.Every)
		}
		river.AddWorker(workers, &reconcileWorker{lister: o.Lister, store: o.Store, log: o.Logger, now: o.Now, timeout: min(10*time.Minute, rescue*9/10)})
		window := int64(o.Window / time.Second)
		cfg.PeriodicJobs = []*river.PeriodicJob{river.NewPeriodicJob(
			river.PeriodicInterval(o.Every),
			func() (river.JobArgs, *river.InsertOpts) {
				// At most one per interval, even if a new leader's scheduler
				// starts over (RunOnStart) just after the old one inserted.
				return ReconcileArgs{WindowSeconds: window}, &river.InsertOpts{
					MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: o.Every},
				}
			},
			&river.PeriodicJobOpts{ID: "reconcile_stripe", RunOnStart: true},
		)}
	}
	r := &Runner{}
	if o.Lister != nil && o.Store != nil {
		river.AddWorker(workers, &feesWorker{lister: o.Lister, store: o.Store})
		r.fees = true
	}
	if queued, ok := o.Emails.(QueuedEmails); ok {
		river.AddWorker(workers, &requeueWorker{store: queued, client: func() *river.Client[*sql.Tx] { return r.client }, log: o.Logger, now: o.Now})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			river.PeriodicInterval(10*time.Minute),
			func() (river.JobArgs, *river.InsertOpts) {
				return RequeueArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: 10 * time.Minute}}
			},
			&river.PeriodicJobOpts{ID: "requeue_emails", RunOnStart: true},
		))
	}
	if o.Renewals != nil && o.RenewalDays > 0 && o.RenewalEvery > 0 {
		river.AddWorker(workers, &renewalWorker{store: o.Renewals, log: o.Logger})
		days, every, monthly := o.RenewalDays, o.RenewalEvery, o.MonthlyReminder
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			river.PeriodicInterval(every),
			func() (river.JobArgs, *river.InsertOpts) {
				// Running twice is harmless (each notice has its dedupe
				// key); unique per interval keeps the queue short.
				return RenewalArgs{Days: days, Monthly: monthly}, &river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: every}}
			},
			&river.PeriodicJobOpts{ID: "renewal_notices", RunOnStart: true},
		))
	}
	if o.Exports != nil {
		// Nine tenths of the rescue time: a live export is never rescued.
		river.AddWorker(workers, &exportWorker{x: *o.Exports, log: o.Logger, timeout: rescue * 9 / 10})
		river.AddWorker(workers, &expireExportsWorker{store: o.Exports.Store, log: o.Logger})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return ExpireExportsArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			},
			&river.PeriodicJobOpts{ID: "expire_exports", RunOnStart: true},
		))
	}
	if o.Limits != nil {
		river.AddWorker(workers, &pruneLimitsWorker{store: o.Limits})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			river.PeriodicInterval(time.Hour),
			func() (river.JobArgs, *river.InsertOpts) {
				return PruneLimitsArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: time.Hour}}
			},
			&river.PeriodicJobOpts{ID: "prune_limits", RunOnStart: true},
		))
	}
	if o.Books != nil {
		loc := o.BooksLocation
		if loc == nil {
			loc = time.UTC
		}
		river.AddWorker(workers, &checkBooksWorker{store: o.Books, log: o.Logger})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			nightly{hour: 3, loc: loc},
			func() (river.JobArgs, *river.InsertOpts) {
				return CheckBooksArgs{}, &river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByPeriod: 12 * time.Hour}}
			},
			&river.PeriodicJobOpts{ID: "check_books"},
		))
	}
	if o.Retention != nil {
		loc := o.BooksLocation
		if loc == nil {
			loc = time.UTC
		}
		river.AddWorker(workers, &retentionWorker{store: o.Retention, customers: o.Customers, years: o.InactiveYears, now: o.Now, log: o.Logger})
		cfg.PeriodicJobs = append(cfg.PeriodicJobs, river.NewPeriodicJob(
			nightly{hour: 4, loc: loc},
			func() (river.JobArgs, *river.InsertOpts) {
				return RetentionArgs{}, &river.InsertOpts{MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByPeriod: 12 * time.Hour}}
			},
			&river.PeriodicJobOpts{ID: "retention"},
		))
	}
	working := cfg.PeriodicJobs != nil || o.Emails != nil || o.SignIns != nil || r.fees || o.Outbound != nil
	if working {
		// Always a worker for deliveries: River refuses to insert a kind
		// its working client has none for, which would make every gift's
		// write fail once an endpoint exists. Without Outbound it leaves
		// the jobs to an instance that delivers (see deliverWorker.Work).
		var ob Outbound
		if o.Outbound != nil {
			ob = *o.Outbound
		}
		if ob.Window == 0 {
			ob.Window = DefaultWindow
		}
		if ob.Backoff == nil {
			ob.Backoff = backoff
		}
		river.AddWorker(workers, &deliverWorker{o: ob, now: o.Now, log: o.Logger})
		cfg.Queues[OutboundQueue] = river.QueueConfig{MaxWorkers: outboundWorkers}
	}
	if !working {
		// Nothing to work yet: an insert-only client, which River allows.
		cfg.Queues, cfg.Workers = nil, nil
	}
	client, err := river.NewClient(driver(db), cfg)
	if err != nil {
		return nil, fmt.Errorf("river client: %w", err)
	}
	r.client, r.working = client, working
	if db.Dialect() == models.DialectPostgres {
		// Insert-only (no pool), with the same workers, so that an
		// unknown kind is refused alike.
		r.pgx, err = river.NewClient(riverpgxv5.New(nil), &river.Config{Logger: cfg.Logger, Workers: cfg.Workers})
		if err != nil {
			return nil, fmt.Errorf("river client (inserts): %w", err)
		}
	}
	return r, nil
}

// Start begins working jobs until Stop.
func (r *Runner) Start(ctx context.Context) error {
	if !r.working {
		return nil
	}
	return r.client.Start(ctx)
}

// Stop lets running jobs finish within ctx's deadline, then cancels
// those still running (a long export) so that each records its
// interruption and is retried soon by another instance, rather than
// waiting for the rescue time as a killed one does.
func (r *Runner) Stop(ctx context.Context) error {
	if !r.working {
		return nil
	}
	err := r.client.Stop(ctx)
	if err == nil || ctx.Err() == nil {
		return err
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	return r.client.StopAndCancel(cctx)
}
