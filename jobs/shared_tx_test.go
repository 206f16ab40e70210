package jobs_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/testenv"
)

// TestJobsCommitAndRollBackWithTheirTransaction: a job inserted in a
// transaction is part of it, on Postgres through River's pgx driver on
// the transaction's own connection: the transaction sees it before the
// commit, a rollback takes it away, a commit keeps it, and the
// transaction goes on working after the insert. The send job stays one
// per message.
func TestJobsCommitAndRollBackWithTheirTransaction(t *testing.T) {
	for _, db := range testenv.Databases {
		t.Run(db, func(t *testing.T) {
			ctx := context.Background()
			store, _, _ := openStore(t, db)
			runner, err := jobs.NewRunner(store, jobs.Options{})
			if err != nil {
				t.Fatal(err)
			}
			count := func(q interface {
				QueryRowContext(context.Context, string, ...any) *sql.Row
			}) int {
				t.Helper()
				var n int
				if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM river_job WHERE kind = 'send_email'").Scan(&n); err != nil {
					t.Fatal(err)
				}
				return n
			}
			enqueue := func(commit bool) {
				t.Helper()
				conn, err := store.SQL().Conn(ctx)
				if err != nil {
					t.Fatal(err)
				}
				defer conn.Close()
				tx, err := conn.BeginTx(ctx, nil)
				if err != nil {
					t.Fatal(err)
				}
				defer tx.Rollback()
				jt := models.JobTx{SQL: tx}
				if db == "postgres" {
					jt.Conn = conn
				}
				before := count(tx)
				if err := runner.EnqueueEmailTx(ctx, jt, "message-1"); err != nil {
					t.Fatal(err)
				}
				if after := count(tx); after != 1 {
					t.Fatalf("the transaction sees %d send jobs after its insert (%d before), want 1", after, before)
				}
				if !commit {
					return
				}
				if err := tx.Commit(); err != nil {
					t.Fatalf("commit after the job's insert: %v", err)
				}
			}
			enqueue(false)
			if n := count(store.SQL()); n != 0 {
				t.Fatalf("%d send jobs after a rollback, want 0", n)
			}
			enqueue(true)
			if n := count(store.SQL()); n != 1 {
				t.Fatalf("%d send jobs after a commit, want 1", n)
			}
			enqueue(true) // the same message again: its live job stands
			if n := count(store.SQL()); n != 1 {
				t.Fatalf("%d send jobs for one message, want 1", n)
			}
		})
	}
}
