-- +goose Up
-- An address's second line (apartment, suite) and its state or
-- province: a Canadian receipt must print the donor's full address.
ALTER TABLE donors ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE donors ADD COLUMN address_state TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN address_state TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN donor_address_line2 TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN donor_address_state TEXT NOT NULL DEFAULT '';
