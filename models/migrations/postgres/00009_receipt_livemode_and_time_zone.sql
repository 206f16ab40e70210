-- +goose Up
-- A receipt freezes whether real money paid it (a demo or Stripe
-- test-mode receipt says it is not one) and the time zone its dates
-- print in. Receipts from before say '' and print in TIMEZONE.
ALTER TABLE receipts ADD COLUMN livemode BOOLEAN NOT NULL DEFAULT FALSE;
UPDATE receipts SET livemode = TRUE WHERE gift_id IN (SELECT id FROM gifts WHERE livemode);
ALTER TABLE receipts ADD COLUMN time_zone TEXT NOT NULL DEFAULT '';
