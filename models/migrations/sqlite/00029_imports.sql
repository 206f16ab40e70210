-- +goose Up
-- History brought in from another system: each imported gift keeps the
-- key of its source row, so a second run of the same file changes
-- nothing, and the number of the receipt the old system issued, if it
-- did: such a gift gets no second receipt.
ALTER TABLE gifts ADD COLUMN import_key TEXT;
CREATE UNIQUE INDEX gifts_import_key ON gifts (import_key);
ALTER TABLE gifts ADD COLUMN receipted_elsewhere TEXT NOT NULL DEFAULT '';
