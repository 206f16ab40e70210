package models

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"gorm.io/gorm"
)

// Tx is one transaction and the one time it happens at: every row it
// writes carries the same instant, as wtf's Tx.now does, however long the
// transaction takes.
type Tx struct {
	*gorm.DB
	now  time.Time
	conn *sql.Conn // the transaction's connection on Postgres (JobTx)
	// history is set while history from Stripe is brought in (stripe
	// import): payments before it get no receipt, and nobody is emailed.
	history *time.Time

	// What the transaction has already taken or read, so that it is not
	// asked of the database again while the receipt counter is locked:
	// everything a paid gift's transaction does after it takes its number
	// holds every other paid gift's transaction back (the number is the
	// one row they all need), and a webhook's transaction took the
	// donor's lock three times and read the endpoints three times.
	held      map[lockID]bool    // advisory locks held to the commit
	endpoints []OutboundEndpoint // the outbound endpoints, once read
	endpRead  bool
	donorLang map[string]string // donors' languages as upsertDonor wrote them
	// Gifts just paid for which no refund or dispute waits (payGift).
	noneWaiting map[string]bool
}

// lockID is one advisory lock: its class and key.
type lockID struct {
	class int
	key   string
}

// transaction runs fn in one transaction, reading the clock once. On
// Postgres the transaction is begun on a connection of its own, which
// the job engine's inserts reach (JobTx).
func (s *Store) transaction(ctx context.Context, fn func(tx *Tx) error) error {
	run := func(db *gorm.DB, conn *sql.Conn) error {
		return db.Transaction(func(db *gorm.DB) error {
			now := s.now().UTC()
			// gorm's own created_at and updated_at take the same instant.
			db = db.Session(&gorm.Session{NowFunc: func() time.Time { return now }})
			return fn(&Tx{DB: db, now: now, conn: conn})
		})
	}
	if s.dialect != DialectPostgres {
		return run(s.db.WithContext(ctx), nil)
	}
	return s.db.WithContext(ctx).Connection(func(db *gorm.DB) error {
		conn, _ := db.Statement.ConnPool.(*sql.Conn)
		return run(db, conn)
	})
}

// JobTx is a transaction as the job engine inserts its jobs into it, so
// that each commits or rolls back with its cause: the database/sql
// transaction, and on Postgres the connection it runs on, whose pgx side
// River's pgx driver inserts through (see jobs' insertTx for why).
type JobTx struct {
	SQL  *sql.Tx
	Conn *sql.Conn // nil on SQLite
}

// jobTx is the transaction under tx, for the job engine.
func (tx *Tx) jobTx() (JobTx, error) {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return JobTx{}, errors.New("not inside a transaction")
	}
	return JobTx{SQL: sqlTx, Conn: tx.conn}, nil
}
