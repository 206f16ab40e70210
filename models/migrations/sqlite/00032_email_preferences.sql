-- +goose Up
-- What a donor agreed to be sent beyond what must be sent (receipts,
-- payment problems): reminders, appeals, year-end statements. A row is a
-- choice, with when and how it was made; no row means the default
-- (allowed: the donor gave, and may refuse any time).
CREATE TABLE email_preferences (
	donor_id TEXT NOT NULL REFERENCES donors(id),
	topic TEXT NOT NULL,
	allowed BOOLEAN NOT NULL,
	changed_at DATETIME NOT NULL,
	how TEXT NOT NULL,
	PRIMARY KEY (donor_id, topic)
);
