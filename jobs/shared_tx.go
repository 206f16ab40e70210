package jobs

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/riverqueue/river"

	"github.com/indienews/donations/models"
)

// insertTx inserts a job in the caller's transaction. On Postgres it
// goes through River's pgx driver, on the pgx connection under the
// database/sql transaction (reached with sql.Conn.Raw, the way pgx's
// stdlib documents for pgx's own features): River's database/sql driver
// hands each of its insert's thirteen arrays over as text, which pgx
// parses and encodes again, and that was most of a webhook's job insert.
// The transaction stays database/sql's: it alone begins, commits or
// rolls back.
func (r *Runner) insertTx(ctx context.Context, tx models.JobTx, args river.JobArgs, opts *river.InsertOpts) error {
	if r.pgx == nil || tx.Conn == nil {
		_, err := r.client.InsertTx(ctx, tx.SQL, args, opts)
		return err
	}
	return tx.Conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("jobs: a Postgres connection of %T, not pgx's", dc)
		}
		_, err := r.pgx.InsertTx(ctx, sharedTx{c.Conn()}, args, opts)
		return err
	})
}

// sharedTx is the pgx side of a transaction database/sql began, for
// River's inserts only.
type sharedTx struct{ c *pgx.Conn }

var errNotOurs = errors.New("jobs: the transaction belongs to database/sql")

func (t sharedTx) Begin(context.Context) (pgx.Tx, error) { return nil, errNotOurs }
func (t sharedTx) Commit(context.Context) error          { return errNotOurs }
func (t sharedTx) Rollback(context.Context) error        { return errNotOurs }
func (t sharedTx) Conn() *pgx.Conn                       { return t.c }

// LargeObjects is never used by River's inserts; the value it returns
// has no transaction and must not be used.
func (t sharedTx) LargeObjects() pgx.LargeObjects { return pgx.LargeObjects{} }

func (t sharedTx) CopyFrom(ctx context.Context, table pgx.Identifier, cols []string, src pgx.CopyFromSource) (int64, error) {
	return t.c.CopyFrom(ctx, table, cols, src)
}

func (t sharedTx) SendBatch(ctx context.Context, b *pgx.Batch) pgx.BatchResults {
	return t.c.SendBatch(ctx, b)
}

func (t sharedTx) Prepare(ctx context.Context, name, sql string) (*pgconn.StatementDescription, error) {
	return t.c.Prepare(ctx, name, sql)
}

func (t sharedTx) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	return t.c.Exec(ctx, sql, args...)
}

func (t sharedTx) Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error) {
	return t.c.Query(ctx, sql, args...)
}

func (t sharedTx) QueryRow(ctx context.Context, sql string, args ...any) pgx.Row {
	return t.c.QueryRow(ctx, sql, args...)
}

var _ pgx.Tx = sharedTx{}
