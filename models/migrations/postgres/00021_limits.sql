-- +goose Up
-- Limits against card testing (limits.go), in the database so that
-- every instance counts against one budget and a restart keeps it.
CREATE TABLE rate_counters (
	key TEXT NOT NULL,
	window_start TIMESTAMPTZ NOT NULL,
	hits BIGINT NOT NULL,
	PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_by_start ON rate_counters (window_start);
CREATE TABLE spent_challenges (
	challenge TEXT PRIMARY KEY,
	expires_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX spent_challenges_by_expiry ON spent_challenges (expires_at);
CREATE INDEX gifts_by_created ON gifts (created_at);
