-- 002: conversations. Follow-up detection records how each message was
-- threaded; tickets know their participants, when they were closed, what
-- they were merged into or split from, and keep a log of events.

ALTER TABLE tenants
	ADD COLUMN subject_tag_format text NOT NULL DEFAULT '[#{number}]'
		CHECK (subject_tag_format LIKE '%{number}%');

-- A customer reply to a ticket closed longer ago than this opens a new,
-- linked ticket instead of reopening the old one (0: always reopen).
ALTER TABLE teams
	ADD COLUMN reopen_days integer NOT NULL DEFAULT 30 CHECK (reopen_days >= 0);

ALTER TABLE tickets
	DROP CONSTRAINT tickets_status_check,
	ADD CONSTRAINT tickets_status_check
		CHECK (status IN ('open', 'pending', 'snoozed', 'solved', 'closed', 'merged')),
	ADD COLUMN closed_at timestamptz,
	ADD COLUMN merged_into_id bigint,
	ADD COLUMN linked_ticket_id bigint,
	ADD CONSTRAINT tickets_merged_into FOREIGN KEY (tenant_id, merged_into_id)
		REFERENCES tickets (tenant_id, id),
	ADD CONSTRAINT tickets_linked FOREIGN KEY (tenant_id, linked_ticket_id)
		REFERENCES tickets (tenant_id, id);
CREATE INDEX tickets_number ON tickets (tenant_id, number);

-- One line of evidence per message: "verified reply token for ticket 7".
ALTER TABLE messages ADD COLUMN match_detail text NOT NULL DEFAULT '';

-- Everyone besides the requester who takes part in a ticket's conversation
-- (addresses on To/Cc of customer mail that are neither our aliases nor
-- agents, and senders of follow-ups).
CREATE TABLE ticket_participants (
	tenant_id bigint NOT NULL,
	ticket_id bigint NOT NULL,
	contact_id bigint NOT NULL,
	added_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, ticket_id, contact_id),
	FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id),
	FOREIGN KEY (tenant_id, contact_id) REFERENCES contacts (tenant_id, id)
);

-- What happened to a ticket, in order: created, reopened, woke, closed,
-- merged, split, linked ... with who or what did it.
CREATE TABLE ticket_events (
	tenant_id bigint NOT NULL,
	id bigserial NOT NULL,
	ticket_id bigint NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	kind text NOT NULL,
	actor text NOT NULL DEFAULT '',
	detail text NOT NULL DEFAULT '',
	PRIMARY KEY (tenant_id, id),
	FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);
CREATE INDEX ticket_events_ticket ON ticket_events (tenant_id, ticket_id, at);
