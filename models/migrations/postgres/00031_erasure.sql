-- +goose Up
-- A donor's right to erasure, within what tax law keeps. An erased donor
-- is "erased donor #N"; the receipts and Gift Aid declarations the law
-- keeps stay, sealed, until keep_until, then are purged too.
ALTER TABLE donors ADD COLUMN erased_at TIMESTAMPTZ;
ALTER TABLE donors ADD COLUMN erased_number INTEGER;
CREATE UNIQUE INDEX donors_erased_number ON donors (erased_number);
-- A receipt's email is not something the law keeps: on erasure it goes,
-- and the seal reads this digest of it instead.
ALTER TABLE receipts ADD COLUMN donor_email_digest TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN keep_until TIMESTAMPTZ;
ALTER TABLE receipts ADD COLUMN purged_at TIMESTAMPTZ;
ALTER TABLE giftaid_declarations ADD COLUMN keep_until TIMESTAMPTZ;
ALTER TABLE giftaid_declarations ADD COLUMN purged_at TIMESTAMPTZ;

-- Each erasure, without the personal data it removed: who asked (the
-- donor, or staff with the request's reference), when, and what it did.
CREATE TABLE erasures (
	id TEXT PRIMARY KEY,
	donor_id TEXT NOT NULL REFERENCES donors(id),
	erased_number INTEGER NOT NULL,
	requested_by TEXT NOT NULL,
	reference TEXT NOT NULL DEFAULT '',
	summary TEXT NOT NULL,
	-- SHA-256 of each email the donor went by: a later import or stripe
	-- import must not bring them back (a suppression list, not the email).
	email_digests TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL
);
