-- +goose Up
-- A gift whose receipt cannot be complete yet (CRA: the donor's full
-- name and address, the amount in Canadian dollars) waits here instead
-- of getting an invalid receipt; the hold keeps what the receipt will
-- need (its issue key, payment and benefit as of the payment).
CREATE TABLE receipt_holds (
	gift_id TEXT PRIMARY KEY REFERENCES gifts(id),
	reason TEXT NOT NULL,
	issue_key TEXT NOT NULL,
	payment_id TEXT NOT NULL,
	benefit_description TEXT NOT NULL DEFAULT '',
	benefit_value BIGINT NOT NULL DEFAULT 0,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	released_at DATETIME,
	receipt_id TEXT REFERENCES receipts(id),
	outcome TEXT NOT NULL DEFAULT ''
);
CREATE INDEX receipt_holds_open ON receipt_holds (created_at) WHERE released_at IS NULL;
CREATE TABLE receipt_hold_tokens (
	token_hash TEXT PRIMARY KEY,
	gift_id TEXT NOT NULL REFERENCES receipt_holds(gift_id),
	created_at DATETIME NOT NULL
);
ALTER TABLE email_messages ADD COLUMN gift_id TEXT REFERENCES gifts(id);
ALTER TABLE receipts ADD COLUMN original_amount BIGINT NOT NULL DEFAULT 0;
ALTER TABLE receipts ADD COLUMN original_currency TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN exchange_rate TEXT NOT NULL DEFAULT '';
