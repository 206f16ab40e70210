-- +goose Up
-- Stock and in-kind gifts: what was given, in words (the security and the
-- number of shares, or the goods), and, under Canadian rules for in-kind
-- gifts, who appraised it. Receipts freeze both.
ALTER TABLE gifts ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE gifts ADD COLUMN appraiser TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN description TEXT NOT NULL DEFAULT '';
ALTER TABLE receipts ADD COLUMN appraiser TEXT NOT NULL DEFAULT '';
