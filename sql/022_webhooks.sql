-- Issue 13: webhooks out. One row per receiver URL of a tenant, with the
-- events it wants and its signing secret (printed once by maildeskctl;
-- held here because the daemon signs with it). A rotation keeps the
-- previous secret until old_secret_until, and deliveries carry both
-- signatures meanwhile.
CREATE TABLE webhooks (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL UNIQUE,
	url text NOT NULL CHECK (url ~ '^https?://'),
	events text[] NOT NULL CHECK (cardinality(events) > 0),
	secret text NOT NULL CHECK (length(secret) >= 32),
	old_secret text NOT NULL DEFAULT '',
	old_secret_until timestamptz,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id)
);

-- The queue: one row per event per webhook, written in the transaction of
-- the change it tells about. ticket_id orders the deliveries of one ticket
-- (a row waits while an older one of its webhook and ticket is pending).
-- A claim (claimed_by, claimed_until) is a lease: a daemon that died
-- mid-send loses the row to another once it ran out. retry_from: where
-- webhook_lifetime counts from (the queueing, or the last manual retry).
CREATE TABLE webhook_deliveries (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL UNIQUE,
	webhook_id bigint NOT NULL,
	ticket_id bigint NOT NULL DEFAULT 0,
	event text NOT NULL,
	event_id text NOT NULL,
	payload text NOT NULL,
	status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
	attempts integer NOT NULL DEFAULT 0,
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	retry_from timestamptz NOT NULL DEFAULT now(),
	claimed_by text NOT NULL DEFAULT '',
	claimed_until timestamptz,
	last_code integer NOT NULL DEFAULT 0,
	last_error text NOT NULL DEFAULT '',
	created_at timestamptz NOT NULL DEFAULT now(),
	done_at timestamptz,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, webhook_id) REFERENCES webhooks (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (tenant_id, webhook_id, ticket_id, id)
	WHERE status = 'pending';
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries (tenant_id, webhook_id, id);
