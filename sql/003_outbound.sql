-- 003: the outbound queue. Every mail maildesk sends is a row here, written
-- in the same transaction as the action that made it (a reply, a
-- notification), and delivered to relay_host by maildeskd (daemon/outbound.c,
-- lib/db/db-outbound.c).
--
--   queued -> sending -> sent
--                     -> deferred (again due at next_attempt_at)
--                     -> failed   (5xx, or older than outbound_max_lifetime)
--
-- next_attempt_at is when a row is next due, whatever its state: for queued
-- rows the time of queueing, for deferred ones the end of their backoff, and
-- for a row being sent the moment its claim counts as stale (the daemon that
-- claimed it died), so one partial index finds everything that is due.
-- sent and failed rows are never due again; "maildeskctl queue retry" sets a
-- failed (or deferred) row back to queued.

CREATE TABLE outbound (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	ticket_id bigint,
	kind text NOT NULL
		CHECK (kind IN ('reply', 'new', 'notification', 'ack', 'explanation')),
	-- '' is the null sender <>.
	envelope_from text NOT NULL DEFAULT '',
	rcpts text[] NOT NULL CHECK (cardinality(rcpts) > 0),
	-- The complete message, headers and body, with CRLF line ends.
	data bytea NOT NULL,
	-- Its Message-ID without <>, so replies to it can be threaded.
	message_id text,
	state text NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sending', 'sent', 'deferred', 'failed')),
	attempts integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
	next_attempt_at timestamptz NOT NULL DEFAULT now(),
	created_at timestamptz NOT NULL DEFAULT now(),
	claimed_at timestamptz,
	sent_at timestamptz,
	-- The relay's last reply (or the local error), one line; with a
	-- partly accepted row, the recipients the relay refused.
	last_error text NOT NULL DEFAULT '',
	-- The relay's last reply code; NULL before the first attempt and when
	-- the attempt ended without one (connection trouble).
	last_code integer,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
	CHECK ((state = 'sent') = (sent_at IS NOT NULL))
);

-- What the senders poll: only rows that may become due are in it.
CREATE INDEX outbound_due ON outbound (next_attempt_at)
	WHERE state IN ('queued', 'deferred', 'sending');
-- The sender reports results by id alone (ids are unique across tenants).
CREATE INDEX outbound_id ON outbound (id);
CREATE INDEX outbound_ticket ON outbound (tenant_id, ticket_id) WHERE ticket_id IS NOT NULL;
CREATE INDEX outbound_message_id ON outbound (tenant_id, message_id) WHERE message_id IS NOT NULL;
