-- +goose Up
-- Why Gift Aid is not claimed on a gift its donor declared for (its
-- benefits are over HMRC's limits): the acknowledgement, its email and
-- the staff donor page say so.
ALTER TABLE receipts ADD COLUMN gift_aid_note TEXT NOT NULL DEFAULT '';
