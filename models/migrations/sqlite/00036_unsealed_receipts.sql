-- +goose Up
-- Every start seals receipts issued before seals existed (Migrate). New
-- receipts are sealed as they are inserted, so this index holds almost
-- nothing, and finding that nothing is left to seal reads it instead of
-- the whole receipts table (half a second for a million receipts, on
-- every start and every command).
CREATE INDEX receipts_unsealed ON receipts (id) WHERE seal = '';

-- +goose Down
DROP INDEX receipts_unsealed;
