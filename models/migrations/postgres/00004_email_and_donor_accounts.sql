-- +goose Up
-- Every email we mean to send, keyed so that one (receipt or event, kind)
-- gives one message whatever is retried. Written in the same transaction
-- as its cause, with the River job that sends it.
CREATE TABLE email_messages (
	id TEXT PRIMARY KEY,
	dedupe_key TEXT NOT NULL UNIQUE,
	kind TEXT NOT NULL,
	to_address TEXT NOT NULL,
	status TEXT NOT NULL,
	attempts INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	receipt_id TEXT REFERENCES receipts(id),
	donor_id TEXT REFERENCES donors(id),
	membership_id TEXT REFERENCES memberships(id),
	fiscal_year INTEGER NOT NULL DEFAULT 0,
	link TEXT NOT NULL DEFAULT '',
	subject TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL,
	sent_at TIMESTAMPTZ
);
CREATE INDEX email_messages_status ON email_messages (status);
CREATE INDEX email_messages_donor ON email_messages (donor_id);

-- Sign-in links for donors: only a hash of the token is kept.
CREATE TABLE donor_login_tokens (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	email TEXT NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL,
	used_at TIMESTAMPTZ,
	created_at TIMESTAMPTZ NOT NULL
);

-- Donor sessions, server-side, by a hash of the cookie's token.
CREATE TABLE donor_sessions (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	donor_id TEXT NOT NULL REFERENCES donors(id),
	created_at TIMESTAMPTZ NOT NULL,
	last_seen_at TIMESTAMPTZ NOT NULL,
	expires_at TIMESTAMPTZ NOT NULL
);
