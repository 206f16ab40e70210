// Package models owns the data: the gorm models, every query and every
// transaction. Callers say what they want (ApplyEvent, CreateGift); they
// never build SQL or open transactions themselves. It knows nothing of
// HTTP or Stripe's types, and it returns typed errors (errors.go), never
// HTTP statuses. Its files say which part each belongs to:
//
//   - ledger_*: donors, gifts, receipts, memberships, refunds and
//     disputes, the events that change them (ApplyEvent and its effects)
//     and the locks that keep them in order; money lives here.
//   - staff_*: staff accounts, sessions, sign-in and its throttle, the
//     audit log.
//   - donor_signin.go: donors' sign-in links and sessions.
//   - outbox_email.go: the exactly-once email outbox.
//   - stats_dashboard.go: the staff dashboard's figures.
//   - store.go, tx.go, errors.go, schema.go: opening the database, one
//     clock reading per transaction, typed errors, migrations.
package models

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// The two databases we run on.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// Org is what receipts, statements, emails and pages say about the
// organisation.
type Org struct {
	Name    string
	TaxID   string
	Address string
}

// ReceiptSettings are what receipts freeze about the organisation and how
// they are numbered.
type ReceiptSettings struct {
	Org             Org
	Prefix          string
	FiscalYearStart FiscalStart
	Location        *time.Location
	Tiers           []Tier
	Rules           string // us, ca or generic: which statement receipts print
	PlaceOfIssue    string
	Signatory       string
	Signature       []byte // a PNG drawn above the signatory on Canadian receipts
	VerifyBase      string // BASE_URL + "/receipts/verify/", printed (frozen) on each receipt
	// RetentionYears overrides how long an erased donor's tax records are
	// kept after their fiscal year (0: the rule set's, RetentionYears).
	RetentionYears int
	// DefaultLanguage is the site's (DEFAULT_LANGUAGE), for a donor who
	// never chose one; Languages is RECEIPT_LANGUAGES: one language every
	// receipt is in, or two printed side by side.
	DefaultLanguage string
	Languages       []string
}

// Tier is a membership level: members whose yearly amount reaches MinPerYear
// receive its benefits, valued at ValuePerYear (fair market value), which
// receipts subtract from the deductible amount.
type Tier struct {
	Name         string
	MinPerYear   int64
	Description  string
	ValuePerYear int64
}

// FiscalStart names fiscal years; config.MonthDay satisfies it.
type FiscalStart interface {
	FiscalYear(t time.Time, loc *time.Location) int
	Bounds(fy int, loc *time.Location) (time.Time, time.Time)
}

// Store is the ledger's only door.
type Store struct {
	db       *gorm.DB
	sqlDB    *sql.DB
	dialect  string
	receipts ReceiptSettings
	now      func() time.Time
	log      *slog.Logger
	queue    Enqueuer

	dummyOnce sync.Once
	dummy     []byte
	dummyErr  error
	// passwordChecks holds a token per bcrypt comparison running now.
	passwordChecks chan struct{}
	// events holds a token per Stripe event being applied now.
	events chan struct{}
}

// Options configure Open.
type Options struct {
	DatabaseURL string // Postgres; empty means SQLite at SQLitePath
	SQLitePath  string
	Receipts    ReceiptSettings
	Now         func() time.Time
	Logger      *slog.Logger
	MaxConns    int
	// EventsAtOnce caps the Stripe events applied at once (0: twice the
	// CPUs, plus one). Every paid one waits for the receipt counter; more
	// at once than the machine can run only make the one holding the
	// counter wait for a CPU, and every other behind it.
	EventsAtOnce int
}

// Open connects to Postgres, or opens (creating if needed) the embedded
// SQLite file.
func Open(ctx context.Context, o Options) (*Store, error) {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Receipts.Location == nil {
		o.Receipts.Location = time.UTC
	}
	gcfg := &gorm.Config{
		TranslateError: true,
		Logger:         logger.Discard,
		NowFunc:        func() time.Time { return o.Now().UTC() },
	}
	s := &Store{receipts: o.Receipts, now: o.Now, log: o.Logger, passwordChecks: make(chan struct{}, passwordChecksAtOnce)}
	events := o.EventsAtOnce
	if events <= 0 {
		events = 2*runtime.GOMAXPROCS(0) + 1
	}
	s.events = make(chan struct{}, events)
	var err error
	if o.DatabaseURL != "" {
		s.dialect = DialectPostgres
		s.db, err = gorm.Open(postgres.Open(o.DatabaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("opening postgres: %w", err)
		}
		s.sqlDB, err = s.db.DB()
		if err != nil {
			return nil, err
		}
		max := o.MaxConns
		if max == 0 {
			max = 20
		}
		s.sqlDB.SetMaxOpenConns(max)
		s.sqlDB.SetMaxIdleConns(max)
		s.sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	} else {
		s.dialect = DialectSQLite
		if err := os.MkdirAll(filepath.Dir(o.SQLitePath), 0o750); err != nil {
			return nil, fmt.Errorf("creating data directory: %w", err)
		}
		// WAL lets readers run beside the writer; busy_timeout waits rather
		// than failing; immediate transactions take the write lock at BEGIN so
		// two writers never deadlock upgrading a read lock.
		dsn := "file:" + o.SQLitePath + "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)" +
			"&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)&_txlock=immediate"
		s.sqlDB, err = sql.Open("sqlite", dsn)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite: %w", err)
		}
		// SQLite has one writer at a time anyway; one connection makes that
		// queueing happen in Go, not in busy retries.
		s.sqlDB.SetMaxOpenConns(1)
		s.db, err = gorm.Open(sqlite.Dialector{Conn: s.sqlDB}, gcfg)
		if err != nil {
			return nil, fmt.Errorf("opening sqlite: %w", err)
		}
	}
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Dialect says which database this store is on.
func (s *Store) Dialect() string { return s.dialect }

// SQL gives the underlying pool, for the job engine that shares it.
func (s *Store) SQL() *sql.DB { return s.sqlDB }

// Ping checks that the database answers; /readyz uses it.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := s.sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("database unreachable: %w", err)
	}
	return nil
}

// Close releases the pool.
func (s *Store) Close() error { return s.sqlDB.Close() }

// Page is a page of a list.
type Page struct {
	Number, Size int
}

func (p Page) offset() int {
	if p.Number < 1 {
		p.Number = 1
	}
	return (p.Number - 1) * p.limit()
}

func (p Page) limit() int {
	if p.Size < 1 || p.Size > 200 {
		return 50
	}
	return p.Size
}

// likePattern escapes a search term for LIKE.
func likePattern(q string) string {
	r := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)
	return "%" + strings.ToLower(r.Replace(strings.TrimSpace(q))) + "%"
}
