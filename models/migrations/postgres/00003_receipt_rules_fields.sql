-- +goose Up
-- What the configured rule set prints (CRA: place of issue and the
-- authorised signature), frozen like everything else on a receipt.
ALTER TABLE receipts ADD COLUMN place_of_issue TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN signatory TEXT NOT NULL DEFAULT '';
CREATE INDEX receipts_replaces ON receipts (replaces);
