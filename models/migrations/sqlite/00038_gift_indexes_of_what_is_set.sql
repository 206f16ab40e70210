-- +goose Up
-- Postgres's gift indexes now hold only the rows that have the value (see
-- postgres/00038): its writes were the webhook's cost. SQLite's stay as
-- they are; this keeps the two schemas' versions in step.
SELECT 1;

-- +goose Down
SELECT 1;
