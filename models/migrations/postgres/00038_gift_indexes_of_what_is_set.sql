-- +goose Up
-- Most gifts are one-time online gifts: no invoice, charge yet, membership,
-- campaign, batch or import key, and a pending one no payment intent. A
-- btree indexes NULLs too, so every such gift's insert, and each update
-- that moves it to a new row version (paid, refunded), wrote an entry in
-- each of these seven indexes that no query can ever look up: every lookup
-- is by equality, which no NULL matches, and Postgres uses an index "WHERE
-- x IS NOT NULL" for "x = $1". The indexes now hold only the rows that
-- have the value. (Each is rebuilt under a lock on gifts' writes: seconds
-- for a newsroom's table.)
DROP INDEX gifts_invoice;
CREATE UNIQUE INDEX gifts_invoice ON gifts (stripe_invoice_id) WHERE stripe_invoice_id IS NOT NULL;
DROP INDEX gifts_charge;
CREATE INDEX gifts_charge ON gifts (stripe_charge_id) WHERE stripe_charge_id IS NOT NULL;
DROP INDEX gifts_membership;
CREATE INDEX gifts_membership ON gifts (membership_id) WHERE membership_id IS NOT NULL;
DROP INDEX gifts_campaign;
CREATE INDEX gifts_campaign ON gifts (campaign_id) WHERE campaign_id IS NOT NULL;
DROP INDEX gifts_batch;
CREATE INDEX gifts_batch ON gifts (batch_id) WHERE batch_id IS NOT NULL;
DROP INDEX gifts_import_key;
CREATE UNIQUE INDEX gifts_import_key ON gifts (import_key) WHERE import_key IS NOT NULL;
DROP INDEX gifts_payment_intent;
CREATE INDEX gifts_payment_intent ON gifts (stripe_payment_intent_id) WHERE stripe_payment_intent_id IS NOT NULL;

-- +goose Down
DROP INDEX gifts_invoice;
CREATE UNIQUE INDEX gifts_invoice ON gifts (stripe_invoice_id);
DROP INDEX gifts_charge;
CREATE INDEX gifts_charge ON gifts (stripe_charge_id);
DROP INDEX gifts_membership;
CREATE INDEX gifts_membership ON gifts (membership_id);
DROP INDEX gifts_campaign;
CREATE INDEX gifts_campaign ON gifts (campaign_id);
DROP INDEX gifts_batch;
CREATE INDEX gifts_batch ON gifts (batch_id);
DROP INDEX gifts_import_key;
CREATE UNIQUE INDEX gifts_import_key ON gifts (import_key);
DROP INDEX gifts_payment_intent;
CREATE INDEX gifts_payment_intent ON gifts (stripe_payment_intent_id);
