-- +goose Up
-- Each receipt's seal: a SHA-256 of the fields frozen when it was issued,
-- so donations check can tell that none has changed since. Receipts from
-- before it are sealed once, as they stand, by the first start after the
-- upgrade.
ALTER TABLE receipts ADD COLUMN seal TEXT NOT NULL DEFAULT '';

-- The results of donations check (the nightly job and the command), for
-- the staff dashboard.
CREATE TABLE book_checks (
	id TEXT PRIMARY KEY,
	ran_at DATETIME NOT NULL,
	ok BOOLEAN NOT NULL,
	findings TEXT NOT NULL,
	summary TEXT NOT NULL
);
CREATE INDEX book_checks_ran_at ON book_checks (ran_at);
