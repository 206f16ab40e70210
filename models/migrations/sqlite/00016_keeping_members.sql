-- +goose Up
-- Keeping members: each failed membership payment with Stripe's
-- attempts, next retry and decline reason, and whether it was
-- recovered; every subscription state Stripe reported, by event, for
-- the retention report; a pause and why a membership ended.
CREATE TABLE payment_failures (
	invoice_id TEXT PRIMARY KEY,
	membership_id TEXT REFERENCES memberships(id),
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	attempts INTEGER NOT NULL DEFAULT 0,
	decline_code TEXT NOT NULL DEFAULT '',
	decline_message TEXT NOT NULL DEFAULT '',
	next_retry_at DATETIME,
	first_failed_at DATETIME,
	last_failed_at DATETIME,
	recovered_at DATETIME,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX payment_failures_membership ON payment_failures (membership_id);
CREATE TABLE membership_changes (
	event_id TEXT PRIMARY KEY,
	membership_id TEXT NOT NULL REFERENCES memberships(id),
	at DATETIME NOT NULL,
	status TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	billing_interval TEXT NOT NULL DEFAULT '',
	paused BOOLEAN NOT NULL DEFAULT FALSE,
	cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
	cancel_reason TEXT NOT NULL DEFAULT '',
	cancel_feedback TEXT NOT NULL DEFAULT ''
);
CREATE INDEX membership_changes_membership ON membership_changes (membership_id, at);
ALTER TABLE memberships ADD COLUMN paused BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE memberships ADD COLUMN paused_until DATETIME;
ALTER TABLE memberships ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN cancel_feedback TEXT NOT NULL DEFAULT '';
ALTER TABLE memberships ADD COLUMN cancel_comment TEXT NOT NULL DEFAULT '';
CREATE TABLE membership_restart_tokens (
	token_hash TEXT PRIMARY KEY,
	membership_id TEXT NOT NULL REFERENCES memberships(id),
	created_at DATETIME NOT NULL
);
