-- +goose Up
-- Gifts that never touch Stripe: staff enter a bank deposit's cheques,
-- cash, transfers and grants as one batch, which closes only when its
-- gifts add up to the deposit.
CREATE TABLE gift_batches (
	id TEXT PRIMARY KEY,
	deposit_total BIGINT NOT NULL CHECK (deposit_total > 0),
	currency TEXT NOT NULL,
	deposited_on DATETIME NOT NULL,
	note TEXT NOT NULL DEFAULT '',
	status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
	created_by TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	closed_by TEXT NOT NULL DEFAULT '',
	closed_at DATETIME
);

-- How a gift came: stripe (card, through Checkout), or the staff's
-- cheque, cash, transfer or grant; its reference (a cheque's number).
ALTER TABLE gifts ADD COLUMN method TEXT NOT NULL DEFAULT 'stripe';
ALTER TABLE gifts ADD COLUMN method_reference TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN batch_id TEXT REFERENCES gift_batches(id);
CREATE INDEX gifts_batch ON gifts (batch_id);

-- Receipts say how the gift was paid when it was not by card.
ALTER TABLE receipts ADD COLUMN method TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN method_reference TEXT NOT NULL DEFAULT '';
