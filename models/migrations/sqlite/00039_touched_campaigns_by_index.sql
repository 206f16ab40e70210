-- +goose Up
-- The same index as postgres/00039: the campaigns a transaction touched
-- are found through its memberships' updated_at too.
CREATE INDEX memberships_touched ON memberships (updated_at);

-- +goose Down
DROP INDEX memberships_touched;
