-- +goose Up
CREATE TABLE donors (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL DEFAULT '',
	address_line1 TEXT NOT NULL DEFAULT '',
	address_city TEXT NOT NULL DEFAULT '',
	address_postal_code TEXT NOT NULL DEFAULT '',
	address_country TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);

CREATE TABLE gifts (
	id TEXT PRIMARY KEY,
	donor_id TEXT REFERENCES donors(id),
	status TEXT NOT NULL CHECK (status IN ('pending', 'processing', 'paid', 'failed', 'refunded')),
	source TEXT NOT NULL,
	frequency TEXT NOT NULL CHECK (frequency IN ('once', 'month', 'year')),
	amount BIGINT NOT NULL CHECK (amount >= 0),
	fee_amount BIGINT NOT NULL DEFAULT 0 CHECK (fee_amount >= 0),
	total_amount BIGINT NOT NULL CHECK (total_amount >= 0),
	currency TEXT NOT NULL,
	email TEXT NOT NULL DEFAULT '',
	name TEXT NOT NULL DEFAULT '',
	address_line1 TEXT NOT NULL DEFAULT '',
	address_city TEXT NOT NULL DEFAULT '',
	address_postal_code TEXT NOT NULL DEFAULT '',
	address_country TEXT NOT NULL DEFAULT '',
	dedication_type TEXT NOT NULL DEFAULT '',
	dedication_name TEXT NOT NULL DEFAULT '',
	anonymous BOOLEAN NOT NULL DEFAULT FALSE,
	stripe_session_id TEXT UNIQUE,
	stripe_payment_intent_id TEXT,
	livemode BOOLEAN NOT NULL DEFAULT FALSE,
	paid_at DATETIME,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX gifts_donor_id ON gifts (donor_id);
CREATE INDEX gifts_payment_intent ON gifts (stripe_payment_intent_id);

-- One row per fiscal year; incremented inside the transaction that issues a
-- receipt, so a rolled-back issue gives its number back and numbers stay
-- gap-free.
CREATE TABLE receipt_counters (
	fiscal_year INTEGER PRIMARY KEY,
	last_number BIGINT NOT NULL
);

CREATE TABLE receipts (
	id TEXT PRIMARY KEY,
	number TEXT NOT NULL UNIQUE,
	fiscal_year INTEGER NOT NULL,
	sequence BIGINT NOT NULL,
	issue_key TEXT NOT NULL UNIQUE,
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	status TEXT NOT NULL CHECK (status IN ('issued', 'void')),
	void_reason TEXT NOT NULL DEFAULT '',
	voided_at DATETIME,
	replaces TEXT NOT NULL DEFAULT '',
	issued_at DATETIME NOT NULL,
	gift_date DATETIME NOT NULL,
	donor_id TEXT REFERENCES donors(id),
	donor_name TEXT NOT NULL,
	donor_email TEXT NOT NULL,
	donor_address_line1 TEXT NOT NULL DEFAULT '',
	donor_address_city TEXT NOT NULL DEFAULT '',
	donor_address_postal_code TEXT NOT NULL DEFAULT '',
	donor_address_country TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	fee_covered BIGINT NOT NULL DEFAULT 0,
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value BIGINT NOT NULL DEFAULT 0,
	deductible_amount BIGINT NOT NULL,
	org_name TEXT NOT NULL,
	org_tax_id TEXT NOT NULL DEFAULT '',
	org_address TEXT NOT NULL DEFAULT '',
	wording_version TEXT NOT NULL,
	stripe_payment_id TEXT NOT NULL DEFAULT '',
	verification_code TEXT NOT NULL UNIQUE,
	UNIQUE (fiscal_year, sequence)
);
CREATE INDEX receipts_gift_id ON receipts (gift_id);

-- Every Stripe event we accepted, by id: inserted in the same transaction as
-- its effects, so a duplicate delivery finds it and changes nothing.
CREATE TABLE stripe_events (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	api_version TEXT NOT NULL,
	livemode BOOLEAN NOT NULL,
	created_at DATETIME NOT NULL,
	received_at DATETIME NOT NULL,
	outcome TEXT NOT NULL
);
