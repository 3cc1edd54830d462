-- 023: tickets that do not arrive by mail (issue 13, intake 1-3): a web
-- form of a team, a chat transcript, a shop's event. Each becomes customer
-- mail through the delivery pipeline (lib/desk/desk-intake.c); this file
-- keeps what makes them tickets of their own kind.

-- A shop's event makes a draft: the requester is set but not contacted
-- until an agent sends the first answer (then it is pending as usual).
ALTER TABLE tickets
	DROP CONSTRAINT tickets_status_check,
	ADD CONSTRAINT tickets_status_check
		CHECK (status IN ('open', 'pending', 'snoozed', 'solved', 'closed', 'merged', 'draft'));

-- A form of a team, served and taken at /v1/forms/NAME. The name is public
-- and looked up before the tenant is known (like a team alias), so it is
-- unique across tenants. min_fill_s: a submission sooner than this after
-- the form was served is refused (a robot's speed).
CREATE TABLE intake_forms (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	id bigserial NOT NULL,
	name text NOT NULL CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
	team_id bigint NOT NULL,
	title text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
	min_fill_s integer NOT NULL DEFAULT 3 CHECK (min_fill_s BETWEEN 0 AND 3600),
	created_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE UNIQUE INDEX intake_forms_name ON intake_forms (name);

-- Its fields in order: text (several lines), line (one line), email, order.
CREATE TABLE intake_form_fields (
	tenant_id bigint NOT NULL,
	form_id bigint NOT NULL,
	position smallint NOT NULL CHECK (position BETWEEN 0 AND 49),
	name text NOT NULL CHECK (name ~ '^[a-z][a-z0-9_]{0,31}$'),
	type text NOT NULL CHECK (type IN ('text', 'line', 'email', 'order')),
	required boolean NOT NULL,
	PRIMARY KEY (tenant_id, form_id, position),
	UNIQUE (tenant_id, form_id, name),
	FOREIGN KEY (tenant_id, form_id) REFERENCES intake_forms (tenant_id, id) ON DELETE CASCADE
);

-- A chat's id (the chat system's own): a second post of the same chat adds
-- to its ticket. Unique per tenant; lib/db inserts with ON CONFLICT on it.
ALTER TABLE tickets
	ADD COLUMN chat_id text CHECK (chat_id <> '' AND length(chat_id) <= 200),
	ADD COLUMN event_type text CHECK (event_type <> '' AND length(event_type) <= 64),
	ADD CONSTRAINT tickets_event_order CHECK (event_type IS NULL OR order_ref IS NOT NULL);
CREATE UNIQUE INDEX tickets_chat ON tickets (tenant_id, chat_id) WHERE chat_id IS NOT NULL;
-- One ticket per (tenant, order, event type) that is not closed (nor
-- merged away): a second event joins it. The predicate is repeated word for
-- word in lib/db's ON CONFLICT.
CREATE UNIQUE INDEX tickets_event_open ON tickets (tenant_id, order_ref, event_type)
	WHERE event_type IS NOT NULL AND status NOT IN ('closed', 'merged');

-- A tenant's settings of an event type: the builtin ones
-- (order.action_required, rating.bad, rating.bad_with_comment) need no row;
-- a row overrides them, and a tenant-defined type exists only as a row.
-- NULL columns take the type's default (lib/desk).
CREATE TABLE event_types (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	type text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*$' AND length(type) <= 64),
	enabled boolean NOT NULL DEFAULT true,
	tag text CHECK (tag ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
	team_id bigint,
	subject text CHECK (subject <> '' AND length(subject) <= 200),
	updated_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, type),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
