-- +goose Up
-- The verification address is part of a receipt's text: frozen at
-- issue like the rest, so a move of BASE_URL does not change it.
-- Receipts issued before have '' and print the current address.
ALTER TABLE receipts ADD COLUMN verify_url TEXT NOT NULL DEFAULT '';
