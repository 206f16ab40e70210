-- +goose Up
-- A member may decline a tier's benefits (IRS practice: the whole gift
-- stays deductible): the form gift says so, and its membership keeps
-- the tier's name but no benefit, so receipts state none.
ALTER TABLE gifts ADD COLUMN decline_benefits BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE memberships ADD COLUMN benefits_declined BOOLEAN NOT NULL DEFAULT FALSE;
