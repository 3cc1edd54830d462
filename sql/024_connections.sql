-- 024: providers and brands (issue 14). A provider tenant (a 3PL) is
-- connected to brand tenants. A tenant has no kind: it is a provider or a
-- brand through its connections, and may be both towards different
-- tenants. A connection's rows belong to the brand (tenant_id), so the
-- brand's tickets, its delegate agents and the connection shard together;
-- the provider is named by provider_id.
CREATE TABLE connections (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	provider_id bigint NOT NULL REFERENCES tenants (id),
	support_owner text NOT NULL CHECK (support_owner IN ('brand', 'provider')),
	-- The provider's team that handles the brand's tickets (NULL: none yet).
	provider_team_id bigint,
	contact text CHECK (contact <> '' AND contact = lower(contact)),
	warehouse text CHECK (warehouse <> ''),
	monthly_orders integer CHECK (monthly_orders >= 0),
	-- Stored and shown; a webhook sender reads it with active.
	webhook_url text CHECK (webhook_url ~ '^https?://'),
	active boolean NOT NULL DEFAULT true,
	created_at timestamptz NOT NULL DEFAULT now(),
	disconnected_at timestamptz,
	PRIMARY KEY (tenant_id, id),
	UNIQUE (tenant_id, provider_id),
	CHECK (tenant_id <> provider_id),
	FOREIGN KEY (provider_id, provider_team_id) REFERENCES teams (tenant_id, id)
);
-- A brand is handled by one provider at a time.
CREATE UNIQUE INDEX connections_one_active ON connections (tenant_id) WHERE active;
CREATE INDEX connections_provider ON connections (provider_id) WHERE active;

-- What happened to a connection (added, support owner changed and whether
-- open tickets moved, disconnected, reconnected): its readable history.
CREATE TABLE connection_events (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL,
	connection_id bigint NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	actor text NOT NULL,
	kind text NOT NULL,
	detail text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, connection_id) REFERENCES connections (tenant_id, id)
);

-- The connection whose provider handles a brand's ticket (NULL: the
-- brand's own teams). Set when the ticket is made (support owner
-- provider, or a request opened to the provider) and by "connection set
-- --move-open yes"; it counts only while the connection is active.
ALTER TABLE tickets
	ADD COLUMN handled_by bigint,
	ADD CONSTRAINT tickets_handled_by FOREIGN KEY (tenant_id, handled_by) REFERENCES connections (tenant_id, id);
CREATE INDEX tickets_handled_by ON tickets (handled_by) WHERE handled_by IS NOT NULL;

-- A provider's agent acting on a brand's tickets is a delegate row in the
-- brand's tenant (so messages, events and assignees keep their tenant
-- keys): provider_agent_id is the provider's own agent, via_connection the
-- connection it acts through. A brand's own agents have both NULL.
ALTER TABLE agents
	ADD COLUMN via_connection bigint,
	ADD COLUMN provider_agent_id bigint,
	ADD CONSTRAINT agents_via_connection FOREIGN KEY (tenant_id, via_connection)
		REFERENCES connections (tenant_id, id),
	ADD CONSTRAINT agents_delegate CHECK ((via_connection IS NULL) = (provider_agent_id IS NULL));
