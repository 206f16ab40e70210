package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"time"

	"github.com/indienews/donations/jobs"
	"github.com/indienews/donations/models"
	"github.com/indienews/donations/payments"
)

// directSQL runs the webhook baselines through database/sql, with no HTTP,
// JSON, signature or ORM, one transaction per event:
//
//   - replay: the very statements our code sends for one event with no
//     outbound endpoint (read from Postgres's statement log, 2026-12-06,
//     and again after the event's claim and finish became one each),
//     in the same order, with the same River job insert: what the
//     database alone costs for what we ask of it.
//   - minimal: the least SQL for the same durable effects (the event id
//     under its unique key, the donor, the paid gift, the next receipt
//     number, the receipt, the email and a job row): what our extra
//     statements (the payment lock, the gift lookup, early refunds, the
//     unique job) cost.
type directSQL struct {
	db    *sql.DB
	queue *jobs.Runner // replay: River's own job insert
}

func newDirectSQL(ctx context.Context, dbURL string, queue *jobs.Runner) (*directSQL, error) {
	db, err := sql.Open("pgx", dbURL)
	if err != nil {
		return nil, err
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(20)
	if _, err := db.ExecContext(ctx, `CREATE TABLE bench_jobs (id BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, args TEXT NOT NULL);
		CREATE SEQUENCE bench_receipt_numbers`); err != nil {
		db.Close()
		return nil, err
	}
	return &directSQL{db: db, queue: queue}, nil
}

func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// baselineMode picks which SQL directSQL runs.
type baselineMode int

const (
	replayOurs  baselineMode = iota // our statements, in our order
	minimalSQL                      // the least SQL, gap-free numbers
	minimalGaps                     // the least SQL, numbers from a sequence (gaps allowed)
)

func (d *directSQL) apply(ctx context.Context, ev payments.Event, mode baselineMode) error {
	replay := mode == replayOurs
	paid, ok := ev.Effect.(models.CheckoutPaid)
	if !ok {
		return fmt.Errorf("%s: not a paid checkout (%T)", ev.ID, ev.Effect)
	}
	cs := paid.CheckoutPayment
	// On a connection of its own, as our transactions are: River's job
	// insert goes through its pgx side (models.JobTx).
	conn, err := d.db.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UTC()
	giftID := newID()
	if replay {
		// The event's row and the payment locks, one statement (claimEvent).
		args := []any{ev.ID, ev.Type, ev.APIVersion, ev.Livemode, ev.Created, now, 0x646f6e}
		for _, k := range []string{"gift:" + cs.ClientReferenceID, "session:" + cs.SessionID, "pi:" + cs.PaymentIntentID} {
			h := fnv.New32a()
			h.Write([]byte(k))
			args = append(args, int32(h.Sum32()))
		}
		rows, err := tx.QueryContext(ctx, `WITH e AS (INSERT INTO stripe_events (id, type, api_version, livemode, created_at, received_at, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, 'processing') ON CONFLICT DO NOTHING RETURNING id)
			SELECT pg_advisory_xact_lock($7, k)::text, (SELECT count(*) FROM outbound_endpoints WHERE status IN ('active', 'disabled'))
			FROM e, unnest(ARRAY[$8, $9, $10]::int4[]) AS k`, args...)
		if err != nil {
			return err
		}
		fresh := rows.Next()
		rows.Close()
		if !fresh {
			return tx.Commit() // a duplicate
		}
	} else {
		res, err := tx.ExecContext(ctx, `INSERT INTO stripe_events (id, type, api_version, livemode, created_at, received_at, outcome)
			VALUES ($1, $2, $3, $4, $5, $6, 'processing') ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type, ev.APIVersion, ev.Livemode, ev.Created, now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return tx.Commit() // a duplicate
		}
	}
	var donorID string
	err = tx.QueryRowContext(ctx, `INSERT INTO donors (id, email, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (email) DO UPDATE SET updated_at = excluded.updated_at RETURNING id`, newID(), cs.Email, cs.Name, now).Scan(&donorID)
	if err != nil {
		return err
	}
	receiptID, emailID := newID(), newID()
	if replay {
		// The gift written paid, a session with no gift of ours, and in the
		// same statement whether an early refund waits for it
		// (insertPaidGift; the claim counted no endpoints, so none are
		// read); then the receipt's email and job (their reference to the
		// receipt is checked at the commit).
		var changed int64
		var waiting bool
		err = tx.QueryRowContext(ctx, `WITH u AS (INSERT INTO gifts (id, donor_id, status, source, frequency, amount, total_amount, currency, email, name,
			stripe_session_id, stripe_payment_intent_id, paid_at, created_at, updated_at)
			VALUES ($1, $2, 'paid', 'stripe', 'once', $3, $3, $4, $5, $6, $7, $8, $9, $9, $9) ON CONFLICT DO NOTHING RETURNING 1)
			SELECT (SELECT count(*) FROM u), EXISTS (SELECT 1 FROM payment_adjustments
				WHERE gift_id IS NULL AND (stripe_payment_intent_id IN ($8) OR stripe_charge_id IN ($8)))`,
			giftID, donorID, cs.AmountTotal, cs.Currency, cs.Email, cs.Name, cs.SessionID, cs.PaymentIntentID, now).Scan(&changed, &waiting)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO email_messages (id, dedupe_key, kind, to_address, status, receipt_id, donor_id, created_at, updated_at)
			VALUES ($1, $2, 'receipt', $3, 'queued', $4, $5, $6, $6)`, emailID, "receipt:"+receiptID, cs.Email, receiptID, donorID, now)
		if err != nil {
			return err
		}
		err = d.queue.EnqueueEmailTx(ctx, models.JobTx{SQL: tx, Conn: conn}, emailID)
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO gifts (id, donor_id, status, source, frequency, amount, total_amount, currency, email, name,
			stripe_session_id, stripe_payment_intent_id, paid_at, created_at, updated_at)
			VALUES ($1, $2, 'paid', 'stripe', 'once', $3, $3, $4, $5, $6, $7, $8, $9, $9, $9)`,
			giftID, donorID, cs.AmountTotal, cs.Currency, cs.Email, cs.Name, cs.SessionID, cs.PaymentIntentID, now)
	}
	if err != nil {
		return err
	}
	var seq int64
	if mode == minimalGaps {
		// What numbering would cost without the gap-free rule: no row lock
		// held to the commit, so a rolled-back transaction leaves a hole.
		err = tx.QueryRowContext(ctx, `SELECT nextval('bench_receipt_numbers')`).Scan(&seq)
	} else {
		err = tx.QueryRowContext(ctx, `INSERT INTO receipt_counters (fiscal_year, last_number) VALUES (2026, 1)
			ON CONFLICT (fiscal_year) DO UPDATE SET last_number = receipt_counters.last_number + 1 RETURNING last_number`).Scan(&seq)
	}
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO receipts (id, number, fiscal_year, sequence, issue_key, gift_id, status, issued_at, gift_date,
		donor_id, donor_name, donor_email, amount, currency, deductible_amount, org_name, wording_version, verification_code)
		VALUES ($1, $2, 2026, $3, $4, $5, 'issued', $6, $6, $7, $8, $9, $10, $11, $10, 'Bench', 'us-1', $12)`,
		receiptID, fmt.Sprintf("2026-%06d", seq), seq, "gift:"+giftID+":original", giftID, now, donorID, cs.Name, cs.Email,
		cs.AmountTotal, cs.Currency, newID())
	if err != nil {
		return err
	}
	if replay {
		// The end of every event's transaction: its outcome, and the
		// campaigns whose gifts it changed, one statement (finishEvent).
		rows, err := tx.QueryContext(ctx, `WITH done AS (UPDATE stripe_events SET outcome = 'paid' WHERE id = $1)
			SELECT campaign_id FROM gifts WHERE campaign_id IS NOT NULL AND updated_at = $2
			UNION SELECT g.campaign_id FROM memberships AS m JOIN gifts AS g ON g.membership_id = m.id
			WHERE m.updated_at = $2 AND g.campaign_id IS NOT NULL ORDER BY 1`, ev.ID, now)
		if err != nil {
			return err
		}
		rows.Close()
	} else {
		_, err = tx.ExecContext(ctx, `INSERT INTO email_messages (id, dedupe_key, kind, to_address, status, receipt_id, donor_id, created_at, updated_at)
			VALUES ($1, $2, 'receipt', $3, 'queued', $4, $5, $6, $6)`, emailID, "receipt:"+receiptID, cs.Email, receiptID, donorID, now)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO bench_jobs (kind, args) VALUES ('send_email', $1)`, emailID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE stripe_events SET outcome = 'paid' WHERE id = $1`, ev.ID); err != nil {
			return err
		}
	}
	return tx.Commit()
}
