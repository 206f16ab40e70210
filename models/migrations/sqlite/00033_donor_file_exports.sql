-- +goose Up
-- A donor's file of their own data is made as an export, as staff
-- downloads are. SQLite cannot change a CHECK in place: the two tables
-- are made again, with their rows, in this one transaction (the chunks'
-- table first, so its foreign key follows exports to the new table).
DROP INDEX exports_one_at_a_time;
DROP INDEX exports_by_created;
ALTER TABLE export_chunks RENAME TO export_chunks_old;
ALTER TABLE exports RENAME TO exports_old;
CREATE TABLE exports (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('statements', 'receipts', 'payouts', 'donor_file')),
	params TEXT NOT NULL,
	label TEXT NOT NULL,
	file_name TEXT NOT NULL,
	content_type TEXT NOT NULL,
	status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed', 'expired')),
	done BIGINT NOT NULL DEFAULT 0,
	total BIGINT NOT NULL DEFAULT 0,
	attempt INTEGER NOT NULL DEFAULT 0,
	size BIGINT NOT NULL DEFAULT 0,
	error TEXT NOT NULL DEFAULT '',
	requested_by TEXT NOT NULL,
	created_at DATETIME NOT NULL,
	started_at DATETIME,
	finished_at DATETIME,
	expires_at DATETIME,
	updated_at DATETIME NOT NULL
);
INSERT INTO exports SELECT * FROM exports_old;
CREATE TABLE export_chunks (
	export_id TEXT NOT NULL REFERENCES exports(id),
	seq INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (export_id, seq)
);
INSERT INTO export_chunks SELECT * FROM export_chunks_old;
DROP TABLE export_chunks_old;
DROP TABLE exports_old;
CREATE UNIQUE INDEX exports_one_at_a_time ON exports (kind, params) WHERE status IN ('queued', 'running');
CREATE INDEX exports_by_created ON exports (created_at);
