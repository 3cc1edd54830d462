-- 016: requests (issue 12). A tenant keeps a list of reasons a brand opens
-- a request about an order for ("Pedido no recibido", "Cambiar dirección"),
-- each with an optional team and priority. A request is a ticket with an
-- order (014's order_ref) and a reason; while it is not closed, a second
-- request for the same order and reason joins it. The partial unique index
-- makes that hold under concurrency: lib/db inserts with ON CONFLICT on it,
-- never check-then-insert.
CREATE TABLE reasons (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	name text NOT NULL CHECK (name <> '' AND length(name) <= 200),
	team_id bigint,
	priority smallint CHECK (priority BETWEEN 0 AND 3),
	created_at timestamptz NOT NULL DEFAULT now(),
	-- A removed reason is retired, not deleted: closed requests keep it.
	retired_at timestamptz,
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
-- Unique per tenant, case-insensitively (lower() of the database's UTF-8
-- ctype), among the reasons in use: a retired name can be added again.
CREATE UNIQUE INDEX reasons_name ON reasons (tenant_id, lower(name)) WHERE retired_at IS NULL;

-- The reason of a request, and the reference the team fills in later (the
-- carrier's claim number...). NULL: none; '' is never stored.
ALTER TABLE tickets
	ADD COLUMN reason_id bigint,
	ADD COLUMN request_ref text CHECK (request_ref <> ''),
	ADD CONSTRAINT tickets_reason_fk FOREIGN KEY (tenant_id, reason_id) REFERENCES reasons (tenant_id, id),
	ADD CONSTRAINT tickets_request_order CHECK (reason_id IS NULL OR order_ref IS NOT NULL);

-- One request per (tenant, order, reason) that is not closed (nor merged
-- away). The predicate is repeated word for word in lib/db's ON CONFLICT.
CREATE UNIQUE INDEX tickets_request_open ON tickets (tenant_id, order_ref, reason_id)
	WHERE reason_id IS NOT NULL AND status NOT IN ('closed', 'merged');
