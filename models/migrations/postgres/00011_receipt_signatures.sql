-- +goose Up
-- The authorised signature drawn on Canadian receipts, kept by its
-- hash so each receipt renders with the image it was issued with.
CREATE TABLE receipt_signatures (
	id TEXT PRIMARY KEY,
	png BYTEA NOT NULL,
	created_at TIMESTAMPTZ NOT NULL
);
ALTER TABLE receipts ADD COLUMN signature_id TEXT NOT NULL DEFAULT '';
