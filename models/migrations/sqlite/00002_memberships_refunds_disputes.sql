-- +goose Up
ALTER TABLE gifts ADD COLUMN membership_id TEXT;
ALTER TABLE gifts ADD COLUMN stripe_invoice_id TEXT;
ALTER TABLE gifts ADD COLUMN stripe_charge_id TEXT;
ALTER TABLE gifts ADD COLUMN refunded_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE gifts ADD COLUMN dispute_status TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX gifts_invoice ON gifts (stripe_invoice_id);
CREATE INDEX gifts_charge ON gifts (stripe_charge_id);
CREATE INDEX gifts_membership ON gifts (membership_id);
ALTER TABLE receipts ADD COLUMN frequency TEXT NOT NULL DEFAULT 'once';

-- One row per Stripe subscription. state_as_of is the Stripe-side time of
-- the newest state applied, so an older event arriving late changes nothing.
CREATE TABLE memberships (
	id TEXT PRIMARY KEY,
	donor_id TEXT REFERENCES donors(id),
	gift_id TEXT,
	stripe_subscription_id TEXT NOT NULL UNIQUE,
	stripe_customer_id TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL,
	amount BIGINT NOT NULL DEFAULT 0,
	currency TEXT NOT NULL DEFAULT '',
	billing_interval TEXT NOT NULL DEFAULT '',
	tier_name TEXT NOT NULL DEFAULT '',
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value_per_year BIGINT NOT NULL DEFAULT 0,
	current_period_end DATETIME,
	cancel_at_period_end BOOLEAN NOT NULL DEFAULT FALSE,
	started_at DATETIME,
	ended_at DATETIME,
	state_as_of DATETIME,
	last_failed_invoice_id TEXT NOT NULL DEFAULT '',
	last_failed_at DATETIME,
	last_failed_url TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX memberships_donor ON memberships (donor_id);

-- Refunds and disputes as Stripe reported them, matched to a gift or not
-- (a payment from before installation): kept and reported, never an error.
CREATE TABLE payment_adjustments (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL,
	event_id TEXT NOT NULL,
	gift_id TEXT REFERENCES gifts(id),
	stripe_charge_id TEXT NOT NULL DEFAULT '',
	stripe_payment_intent_id TEXT NOT NULL DEFAULT '',
	stripe_object_id TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX payment_adjustments_gift ON payment_adjustments (gift_id);
