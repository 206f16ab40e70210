-- +goose Up
-- Match funds: a campaign's pools, each with its funder's rules, and
-- what each pool matched of each gift.
CREATE TABLE match_pools (
	id TEXT PRIMARY KEY,
	campaign_id TEXT NOT NULL REFERENCES campaigns(id),
	funder TEXT NOT NULL,
	cap BIGINT NOT NULL,
	per_donor_limit BIGINT NOT NULL DEFAULT 0,
	starts_at DATETIME NOT NULL,
	ends_at DATETIME NOT NULL,
	monthly_times_twelve BOOLEAN NOT NULL DEFAULT FALSE,
	position INTEGER NOT NULL,
	created_at DATETIME NOT NULL,
	updated_at DATETIME NOT NULL
);
CREATE TABLE gift_matches (
	gift_id TEXT NOT NULL REFERENCES gifts(id),
	pool_id TEXT NOT NULL REFERENCES match_pools(id),
	amount BIGINT NOT NULL,
	PRIMARY KEY (gift_id, pool_id)
);
ALTER TABLE gifts ADD COLUMN from_organisation BOOLEAN NOT NULL DEFAULT FALSE;
-- Which campaigns an event's transaction touched: its gifts updated at
-- the transaction's one clock.
CREATE INDEX gifts_campaign_touched ON gifts (updated_at) WHERE campaign_id IS NOT NULL;
