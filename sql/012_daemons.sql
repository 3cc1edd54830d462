-- Issue 16: each running maildeskd heartbeats here (about every 10 s) with
-- its version and its counters (Prometheus text), and deletes its row on a
-- clean exit; "maildeskctl status" lists rows whose heartbeat is recent.
CREATE TABLE daemons (
	host text NOT NULL,
	pid integer NOT NULL,
	version text NOT NULL,
	started_at timestamptz NOT NULL,
	heartbeat_at timestamptz NOT NULL DEFAULT now(),
	metrics text NOT NULL DEFAULT '',
	PRIMARY KEY (host, pid)
);
