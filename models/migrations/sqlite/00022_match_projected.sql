-- +goose Up
-- Of what a pool matched, the part that a monthly membership counted at
-- twelve times has not yet paid: reported apart from the match earned
-- by payments received.
ALTER TABLE gift_matches ADD COLUMN projected BIGINT NOT NULL DEFAULT 0;
