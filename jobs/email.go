package jobs

import (
	"context"
	"database/sql"
	"log/slog"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/indienews/donations/mail"
	"github.com/indienews/donations/models"
)

// SendEmailArgs is the job that sends one queued message.
type SendEmailArgs struct {
	MessageID string `json:"message_id"`
}

// Kind names the job in River's table.
func (SendEmailArgs) Kind() string { return "send_email" }

// EmailStore is what sending needs of the ledger.
type EmailStore interface {
	EmailByID(ctx context.Context, id string) (*models.EmailMessage, error)
	MarkEmailSent(ctx context.Context, id, subject string) error
	MarkEmailFailed(ctx context.Context, id, status, reason string) error
	ClaimEmail(ctx context.Context, id string) (bool, error)
}

// Composer builds the email for a queued message; *mail.Composer is one.
type Composer interface {
	Compose(ctx context.Context, m *models.EmailMessage) (mail.Message, error)
}

// Sender delivers a composed email; *mail.Sender is one.
type Sender interface {
	Send(ctx context.Context, m mail.Message) error
}

type emailWorker struct {
	river.WorkerDefaults[SendEmailArgs]
	store    EmailStore
	composer Composer
	sender   Sender // nil: no SMTP configured
	log      *slog.Logger
}

func (w *emailWorker) Timeout(*river.Job[SendEmailArgs]) time.Duration { return time.Minute }

// Work sends a message unless it was sent already: a job retried after a
// crash, or a second copy, finds it sent and stops.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[SendEmailArgs]) error {
	m, err := w.store.EmailByID(ctx, job.Args.MessageID)
	if err != nil {
		return err
	}
	if m.Status == models.EmailSent {
		return nil
	}
	claimed, err := w.store.ClaimEmail(ctx, m.ID)
	if err != nil {
		return err
	}
	if !claimed {
		// Sent meanwhile, or another job is sending it right now.
		return nil
	}
	log := w.log.With("email_id", m.ID, "kind", m.Kind)
	if w.sender == nil {
		// Kept, not lost: staff see it, and it can be sent once SMTP is set.
		log.Warn("email not sent: SMTP_URL is not configured")
		return w.store.MarkEmailFailed(ctx, m.ID, models.EmailUnsent, "SMTP_URL is not configured")
	}
	msg, err := w.composer.Compose(ctx, m)
	if err != nil {
		if merr := w.store.MarkEmailFailed(ctx, m.ID, models.EmailFailed, "composing: "+err.Error()); merr != nil {
			log.Error("recording a failed email", "err", merr)
		}
		return err
	}
	if err := w.sender.Send(ctx, msg); err != nil {
		log.Warn("email not sent; will retry", "attempt", job.Attempt, "err", err)
		if merr := w.store.MarkEmailFailed(ctx, m.ID, models.EmailFailed, err.Error()); merr != nil {
			log.Error("recording a failed email", "err", merr)
		}
		return err
	}
	if err := w.store.MarkEmailSent(ctx, m.ID, msg.Subject); err != nil {
		// Sent but not recorded: the message stays claimed, so no retry
		// sends it again; the sweep marks it unconfirmed for staff.
		log.Error("email sent but not recorded as sent", "err", err)
		return nil
	}
	log.Info("email sent")
	return nil
}

// sendOpts: about five days of backoff, and one live job per message (a
// finished one does not block a retry).
var sendOpts = river.InsertOpts{
	MaxAttempts: 12,
	UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled,
	}},
}

// EnqueueEmailTx inserts the send job inside the caller's transaction.
func (r *Runner) EnqueueEmailTx(ctx context.Context, tx models.JobTx, messageID string) error {
	opts := sendOpts
	return r.insertTx(ctx, tx, SendEmailArgs{MessageID: messageID}, &opts)
}

// RequeueArgs is the periodic sweep for queued messages without a job.
type RequeueArgs struct{}

// Kind names the job in River's table.
func (RequeueArgs) Kind() string { return "requeue_emails" }

// QueuedEmails is what the sweep needs of the ledger.
type QueuedEmails interface {
	QueuedEmailsBefore(ctx context.Context, t time.Time, limit int) ([]string, error)
	MarkUnconfirmed(ctx context.Context) (int64, error)
}

type requeueWorker struct {
	river.WorkerDefaults[RequeueArgs]
	store  QueuedEmails
	client func() *river.Client[*sql.Tx]
	log    *slog.Logger
	now    func() time.Time
}

// Work gives every message queued for over a minute a send job, unless it
// has a live one. A message is written with its job in one transaction,
// so one without a job was written by a process that had no queue (a
// command run while a River table was missing, an older version): the
// sweep makes sure it is not left waiting for ever.
//
// It also hands staff any message whose sender died while sending: it may
// have been delivered, so it is marked unconfirmed, never resent by itself.
func (w *requeueWorker) Work(ctx context.Context, _ *river.Job[RequeueArgs]) error {
	if n, err := w.store.MarkUnconfirmed(ctx); err != nil {
		return err
	} else if n > 0 {
		w.log.Warn("emails whose sender stopped while sending; staff can send them again", "count", n)
	}
	ids, err := w.store.QueuedEmailsBefore(ctx, w.now().Add(-time.Minute), 1000)
	if err != nil {
		return err
	}
	inserted := 0
	for _, id := range ids {
		opts := sendOpts
		res, err := w.client().Insert(ctx, SendEmailArgs{MessageID: id}, &opts)
		if err != nil {
			return err
		}
		if !res.UniqueSkippedAsDuplicate {
			inserted++
		}
	}
	if inserted > 0 {
		w.log.Warn("queued emails had no send job; enqueued them", "count", inserted)
	}
	return nil
}

// SignInArgs is a donor's request for a sign-in link. The request page
// queues it for every address it is given, known or not, so that its
// answer and its timing are the same; the worker decides.
type SignInArgs struct {
	Email string `json:"email"`
}

// Kind names the job in River's table.
func (SignInArgs) Kind() string { return "sign_in_request" }

// SignInStore is what answering a sign-in request needs of the ledger.
type SignInStore interface {
	SendSignInLink(ctx context.Context, email string) error
}

type signInWorker struct {
	river.WorkerDefaults[SignInArgs]
	store SignInStore
}

// Work queues the sign-in email when a donor has the address, through the
// exactly-once outbox; an unknown address gets nothing.
func (w *signInWorker) Work(ctx context.Context, job *river.Job[SignInArgs]) error {
	return w.store.SendSignInLink(ctx, job.Args.Email)
}

// EnqueueSignInTx inserts a sign-in request job inside the caller's
// transaction.
func (r *Runner) EnqueueSignInTx(ctx context.Context, tx models.JobTx, email string) error {
	return r.insertTx(ctx, tx, SignInArgs{Email: email}, &river.InsertOpts{MaxAttempts: 5})
}
