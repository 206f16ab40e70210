-- +goose Up
-- Which stories bring gifts: the article a gift started from (on the
-- news site, else "other") and the landing address's utm_ parameters.
ALTER TABLE gifts ADD COLUMN source_url TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_source TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_medium TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN utm_campaign TEXT NOT NULL DEFAULT '';
