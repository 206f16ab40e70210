-- +goose Up
-- Outbound events (Standard Webhooks): the endpoints newsrooms register,
-- the events written in the transaction of the fact they tell, and one
-- delivery per event and endpoint, which is also the delivery log.
CREATE TABLE outbound_endpoints (
	id TEXT PRIMARY KEY,
	url TEXT NOT NULL,
	description TEXT NOT NULL DEFAULT '',
	-- space-separated event types; empty: every type
	event_types TEXT NOT NULL DEFAULT '',
	-- kept in clear: signing needs the key itself
	secret TEXT NOT NULL,
	-- the secret before a rotation, signed with too until it expires
	previous_secret TEXT NOT NULL DEFAULT '',
	previous_secret_until DATETIME,
	status TEXT NOT NULL CHECK (status IN ('active', 'disabled')),
	disabled_reason TEXT NOT NULL DEFAULT '',
	consecutive_failures INTEGER NOT NULL DEFAULT 0,
	failing_since DATETIME,
	last_success_at DATETIME,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE TABLE outbound_events (
	-- seq orders one donor's events; id is the webhook-id
	seq INTEGER PRIMARY KEY AUTOINCREMENT,
	id TEXT NOT NULL UNIQUE,
	type TEXT NOT NULL,
	payload TEXT NOT NULL,
	donor_id TEXT,
	dedupe_key TEXT NOT NULL UNIQUE,
	created_at DATETIME NOT NULL
);
CREATE INDEX outbound_events_by_type ON outbound_events (type, created_at);
CREATE TABLE outbound_deliveries (
	id TEXT PRIMARY KEY,
	event_seq BIGINT NOT NULL REFERENCES outbound_events(seq),
	endpoint_id TEXT NOT NULL REFERENCES outbound_endpoints(id),
	donor_id TEXT,
	status TEXT NOT NULL CHECK (status IN ('pending', 'sending', 'retrying', 'delivered', 'failed')),
	attempts INTEGER NOT NULL DEFAULT 0,
	last_status_code INTEGER NOT NULL DEFAULT 0,
	last_error TEXT NOT NULL DEFAULT '',
	claimed_at DATETIME,
	last_attempt_at DATETIME,
	delivered_at DATETIME,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL,
	UNIQUE (event_seq, endpoint_id)
);
-- what a delivery waits for: the undelivered earlier events of its donor
-- to its endpoint
CREATE INDEX outbound_deliveries_open ON outbound_deliveries (endpoint_id, donor_id, event_seq)
	WHERE status IN ('pending', 'sending', 'retrying');
CREATE INDEX outbound_deliveries_log ON outbound_deliveries (endpoint_id, created_at);
