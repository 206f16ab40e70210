-- +goose Up
-- Long downloads made by a background job (see export.go): one
-- queued or running export per kind and period, so two people asking
-- at once share it; the file in chunks, so any instance can serve it.
CREATE TABLE exports (
	id TEXT PRIMARY KEY,
	kind TEXT NOT NULL CHECK (kind IN ('statements', 'receipts', 'payouts')),
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
CREATE UNIQUE INDEX exports_one_at_a_time ON exports (kind, params) WHERE status IN ('queued', 'running');
CREATE INDEX exports_by_created ON exports (created_at);
CREATE TABLE export_chunks (
	export_id TEXT NOT NULL REFERENCES exports(id),
	seq INTEGER NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (export_id, seq)
);
