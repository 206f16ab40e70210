-- +goose Up
-- A donor's receipts of a year (statements, the donor's page, merges)
-- were found by scanning every receipt: the statements benchmark
-- showed a year's zip for 10,000 donors spending most of its time there.
CREATE INDEX receipts_donor_year ON receipts (donor_id, fiscal_year, sequence);
