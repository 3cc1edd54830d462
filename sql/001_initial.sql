-- 001: the initial schema.
--
-- Every table carries tenant_id and every key starts with it, so the data
-- could be sharded by tenant (Citus) later; foreign keys include tenant_id.
-- Two things are global on purpose: team_aliases.address (RCPT TO is looked
-- up before the tenant is known) and tickets.number (one sequence, so
-- concurrent deliveries never wait on a per-tenant counter row). Under Citus
-- team_aliases would become a reference table.
--
-- schema_migrations(version, applied_at) is created by db_migrate() itself
-- before the first migration runs; it is not part of any migration.
--
-- Addresses are stored in lower case (CHECK constraints) instead of using the
-- citext extension, which needs a superuser to install.

CREATE TABLE tenants (
	id bigserial PRIMARY KEY,
	name text NOT NULL UNIQUE CHECK (name <> ''),
	created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE teams (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	name text NOT NULL CHECK (name <> ''),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, name)
);

CREATE TABLE team_aliases (
	tenant_id bigint NOT NULL,
	team_id bigint NOT NULL,
	address text NOT NULL CHECK (address <> '' AND address = lower(address)),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (address),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE INDEX team_aliases_team ON team_aliases (tenant_id, team_id);

CREATE TABLE agents (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	email text NOT NULL CHECK (email <> '' AND email = lower(email)),
	name text NOT NULL DEFAULT '',
	signature text NOT NULL DEFAULT '',
	status text NOT NULL DEFAULT 'online' CHECK (status IN ('online', 'away', 'offline')),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, email)
);

CREATE TABLE team_agents (
	tenant_id bigint NOT NULL,
	team_id bigint NOT NULL,
	agent_id bigint NOT NULL,
	PRIMARY KEY (tenant_id, team_id, agent_id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
	FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id)
);

CREATE TABLE contacts (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	email text NOT NULL CHECK (email <> '' AND email = lower(email)),
	name text,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, email)
);

-- Ticket numbers are global and gap-tolerant: a rolled-back delivery
-- consumes a number, and nothing waits for another transaction to get one.
CREATE SEQUENCE ticket_number_seq START 1000;

CREATE TABLE tickets (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL,
	number bigint NOT NULL UNIQUE DEFAULT nextval('ticket_number_seq'),
	team_id bigint NOT NULL,
	subject text NOT NULL,
	status text NOT NULL DEFAULT 'open'
		CHECK (status IN ('open', 'pending', 'snoozed', 'solved', 'closed')),
	priority smallint NOT NULL DEFAULT 1 CHECK (priority BETWEEN 0 AND 3),
	assignee_id bigint,
	requester_id bigint NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	updated_at timestamptz NOT NULL DEFAULT now(),
	last_activity_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
	FOREIGN KEY (tenant_id, assignee_id) REFERENCES agents (tenant_id, id),
	FOREIGN KEY (tenant_id, requester_id) REFERENCES contacts (tenant_id, id)
);
ALTER SEQUENCE ticket_number_seq OWNED BY tickets.number;
CREATE INDEX tickets_queue ON tickets (tenant_id, team_id, status, priority DESC, created_at);

-- The message exactly as received, once per tenant and content hash.
CREATE TABLE raw_messages (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size bigint NOT NULL,
	data bytea NOT NULL,
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE messages (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL,
	ticket_id bigint NOT NULL,
	team_id bigint NOT NULL,
	direction text NOT NULL CHECK (direction IN ('in', 'out')),
	raw_sha256 text,
	envelope_from text NOT NULL DEFAULT '',
	rcpt text NOT NULL DEFAULT '',
	from_name text,
	from_addr text,
	to_json jsonb NOT NULL DEFAULT '[]',
	cc_json jsonb NOT NULL DEFAULT '[]',
	reply_to_json jsonb NOT NULL DEFAULT '[]',
	subject text NOT NULL DEFAULT '',
	sent_at timestamptz,
	received_at timestamptz NOT NULL DEFAULT now(),
	message_id text,
	in_reply_to text,
	refs text[] NOT NULL DEFAULT '{}',
	headers text NOT NULL DEFAULT '',
	text_body text NOT NULL DEFAULT '',
	html_body text,
	defects text NOT NULL DEFAULT '',
	defect_flags integer NOT NULL DEFAULT 0,
	match_reason text NOT NULL DEFAULT 'new',
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
	FOREIGN KEY (tenant_id, raw_sha256) REFERENCES raw_messages (tenant_id, sha256)
);
-- A message redelivered to the same team is recognised by this index; two
-- concurrent identical deliveries make the second fail with
-- unique_violation, and db_deliver() retries it once as a duplicate.
CREATE UNIQUE INDEX messages_inbound_once ON messages (tenant_id, team_id, raw_sha256)
	WHERE direction = 'in';
CREATE INDEX messages_message_id ON messages (tenant_id, message_id);
CREATE INDEX messages_ticket ON messages (tenant_id, ticket_id, received_at);

-- Attachment content, once per tenant and hash.
CREATE TABLE blobs (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
	size bigint NOT NULL,
	data bytea NOT NULL,
	PRIMARY KEY (tenant_id, sha256)
);

CREATE TABLE attachments (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL,
	message_id bigint NOT NULL,
	filename text NOT NULL DEFAULT '',
	content_type text NOT NULL DEFAULT 'application/octet-stream',
	content_id text,
	is_inline boolean NOT NULL DEFAULT false,
	size bigint NOT NULL,
	sha256 text NOT NULL,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, message_id) REFERENCES messages (tenant_id, id),
	FOREIGN KEY (tenant_id, sha256) REFERENCES blobs (tenant_id, sha256)
);
CREATE INDEX attachments_message ON attachments (tenant_id, message_id);
