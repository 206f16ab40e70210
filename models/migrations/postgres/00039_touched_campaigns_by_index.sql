-- +goose Up
-- The campaigns an event's transaction touched are found by its one clock
-- (touchedCampaigns): gifts by gifts_campaign_touched, memberships by this
-- index. Without it the query's OR across a LEFT JOIN let the planner scan
-- every gift of the table in each webhook's transaction whenever its
-- statistics were stale (a new table, or a cached generic plan): 0.5 ms a
-- webhook at 3,000 gifts, growing with the table. The cost: a membership's
-- update (a renewal, a cancellation: not every gift) now writes its
-- indexes, as updated_at always changes.
CREATE INDEX memberships_touched ON memberships (updated_at);

-- +goose Down
DROP INDEX memberships_touched;
