-- +goose Up
-- What Stripe did with the money: each balance transaction (a charge's
-- gross, fee and net in the settlement currency, a refund, a dispute's
-- debit or reversal, a fee), and the payouts that took it to the bank.
-- exchange_rate is kept as Stripe's decimal text, never a float.
CREATE TABLE payouts (
	id TEXT PRIMARY KEY,
	amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	status TEXT NOT NULL,
	arrival_date DATETIME,
	failure_message TEXT NOT NULL DEFAULT '',
	livemode BOOLEAN NOT NULL DEFAULT FALSE,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE INDEX payouts_arrival ON payouts (arrival_date);
CREATE TABLE balance_transactions (
	id TEXT PRIMARY KEY,
	type TEXT NOT NULL,
	source_id TEXT NOT NULL DEFAULT '',
	charge_id TEXT NOT NULL DEFAULT '',
	amount BIGINT NOT NULL,
	fee BIGINT NOT NULL,
	net BIGINT NOT NULL,
	currency TEXT NOT NULL,
	exchange_rate TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL,
	available_on DATETIME,
	payout_id TEXT
);
CREATE INDEX balance_transactions_charge ON balance_transactions (charge_id);
CREATE INDEX balance_transactions_payout ON balance_transactions (payout_id);
