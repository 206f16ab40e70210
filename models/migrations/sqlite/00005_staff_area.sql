-- +goose Up
CREATE TABLE staff_users (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL UNIQUE,
	password_hash TEXT NOT NULL,
	role TEXT NOT NULL CHECK (role IN ('admin', 'staff')),
	disabled BOOLEAN NOT NULL DEFAULT FALSE,
	created_at DATETIME NOT NULL,
	last_login_at DATETIME
);
CREATE TABLE staff_sessions (
	id TEXT PRIMARY KEY,
	token_hash TEXT NOT NULL UNIQUE,
	staff_id TEXT NOT NULL REFERENCES staff_users(id),
	created_at DATETIME NOT NULL,
	last_seen_at DATETIME NOT NULL,
	expires_at DATETIME NOT NULL
);
CREATE TABLE staff_setup_tokens (
	token_hash TEXT PRIMARY KEY,
	expires_at DATETIME NOT NULL,
	used_at DATETIME
);
-- Who did what, when: sign-ins, failed sign-ins, downloads, merges, voids,
-- resends. Append-only.
CREATE TABLE audit_log (
	id TEXT PRIMARY KEY,
	staff_email TEXT NOT NULL,
	action TEXT NOT NULL,
	detail TEXT NOT NULL DEFAULT '',
	ip TEXT NOT NULL DEFAULT '',
	created_at DATETIME NOT NULL
);
CREATE INDEX audit_log_created ON audit_log (created_at);
ALTER TABLE donors ADD COLUMN merged_into TEXT;
CREATE TABLE donor_merges (
	id TEXT PRIMARY KEY,
	from_donor_id TEXT NOT NULL REFERENCES donors(id),
	into_donor_id TEXT NOT NULL REFERENCES donors(id),
	staff_email TEXT NOT NULL,
	gifts_moved INTEGER NOT NULL,
	receipts_moved INTEGER NOT NULL,
	memberships_moved INTEGER NOT NULL,
	created_at DATETIME NOT NULL
);
CREATE INDEX gifts_paid_at ON gifts (paid_at);
CREATE INDEX donors_name ON donors (name);
