-- +goose Up
-- UK Gift Aid: each declaration as the donor made it (its wording and
-- time), the claim line of each gift it covers, and the claims made.
CREATE TABLE giftaid_declarations (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	donor_id TEXT REFERENCES donors(id),
	gift_id TEXT REFERENCES gifts(id),
	title TEXT NOT NULL DEFAULT '',
	first_name TEXT NOT NULL,
	last_name TEXT NOT NULL,
	house TEXT NOT NULL,
	address TEXT NOT NULL,
	postcode TEXT NOT NULL,
	charity TEXT NOT NULL,
	wording TEXT NOT NULL,
	declared_at TIMESTAMPTZ NOT NULL,
	cancelled_at TIMESTAMPTZ
);
CREATE INDEX giftaid_declarations_email ON giftaid_declarations (email);
CREATE TABLE giftaid_batches (
	id TEXT PRIMARY KEY,
	period_from TIMESTAMPTZ NOT NULL,
	period_to TIMESTAMPTZ NOT NULL,
	lines INTEGER NOT NULL,
	total BIGINT NOT NULL,
	adjustments BIGINT NOT NULL,
	created_by TEXT NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE giftaid_claims (
	id TEXT PRIMARY KEY,
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	declaration_id TEXT NOT NULL REFERENCES giftaid_declarations(id),
	kind TEXT NOT NULL,
	issue_key TEXT NOT NULL UNIQUE,
	amount BIGINT NOT NULL,
	donation_date TIMESTAMPTZ NOT NULL,
	status TEXT NOT NULL,
	batch_id TEXT REFERENCES giftaid_batches(id),
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX giftaid_claims_gift ON giftaid_claims (gift_id);
CREATE INDEX giftaid_claims_pending ON giftaid_claims (donation_date) WHERE status = 'pending';
ALTER TABLE receipts ADD COLUMN gift_aid BOOLEAN NOT NULL DEFAULT FALSE;
