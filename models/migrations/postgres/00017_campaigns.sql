-- +goose Up
-- The year-end drive: campaigns with a goal and dates, and the gifts
-- made through each.
CREATE TABLE campaigns (
	id TEXT PRIMARY KEY,
	slug TEXT NOT NULL UNIQUE,
	name TEXT NOT NULL,
	goal_amount BIGINT NOT NULL,
	currency TEXT NOT NULL,
	starts_at TIMESTAMPTZ NOT NULL,
	ends_at TIMESTAMPTZ NOT NULL,
	intro TEXT NOT NULL DEFAULT '',
	preset_amounts TEXT NOT NULL DEFAULT '',
	created_at TIMESTAMPTZ NOT NULL,
	updated_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE gifts ADD COLUMN campaign_id TEXT REFERENCES campaigns(id);
CREATE INDEX gifts_campaign ON gifts (campaign_id);
