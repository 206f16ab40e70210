-- +goose Up
-- What the donor chose comes back on the receipt's email and in the
-- reports: the dedication and whether to be listed publicly.
ALTER TABLE receipts ADD COLUMN dedication_type TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN dedication_name TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN anonymous BOOLEAN NOT NULL DEFAULT FALSE;
