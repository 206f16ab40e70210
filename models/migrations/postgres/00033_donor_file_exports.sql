-- +goose Up
-- A donor's file of their own data is made as an export, as staff
-- downloads are.
ALTER TABLE exports DROP CONSTRAINT exports_kind_check;
ALTER TABLE exports ADD CONSTRAINT exports_kind_check CHECK (kind IN ('statements', 'receipts', 'payouts', 'donor_file'));
