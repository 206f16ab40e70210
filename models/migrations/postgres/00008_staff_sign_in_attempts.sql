-- +goose Up
-- Staff sign-in attempts, reserved before the password is checked so
-- that parallel guesses are counted as they start, not as they end.
-- client is the IP address (an IPv6 client by its /64).
CREATE TABLE staff_sign_in_attempts (
	id TEXT PRIMARY KEY,
	email TEXT NOT NULL,
	client TEXT NOT NULL,
	outcome TEXT NOT NULL CHECK (outcome IN ('pending', 'failed', 'succeeded', 'unchecked')),
	created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX staff_sign_in_attempts_client ON staff_sign_in_attempts (client, created_at);
CREATE INDEX staff_sign_in_attempts_pair ON staff_sign_in_attempts (email, client, created_at);
