-- 004: agents work from their mail client. Messages know what they are
-- (a customer's mail, an agent's answer, an internal note, an untrusted
-- mail that claimed to be an agent's), tickets carry tags and a snooze
-- time, agents choose whether they are mailed while offline.

ALTER TABLE agents ADD COLUMN notify_offline boolean NOT NULL DEFAULT false;

-- How an agent's name is shown to customers: "{agent}" and "{team}" are
-- replaced ("Ana from Support").
ALTER TABLE teams ADD COLUMN sender_name_format text NOT NULL DEFAULT '{agent} from {team}';

ALTER TABLE tickets ADD COLUMN snooze_until timestamptz;

ALTER TABLE messages
	ADD COLUMN kind text NOT NULL DEFAULT 'customer'
		CHECK (kind IN ('customer', 'agent', 'reply', 'note', 'untrusted', 'rejected')),
	ADD COLUMN agent_id bigint,
	ADD CONSTRAINT messages_agent FOREIGN KEY (tenant_id, agent_id) REFERENCES agents (tenant_id, id);

CREATE TABLE ticket_tags (
	tenant_id bigint NOT NULL,
	ticket_id bigint NOT NULL,
	tag text NOT NULL CHECK (tag ~ '^[a-z0-9][a-z0-9_.-]{0,63}$'),
	added_at timestamptz NOT NULL DEFAULT now(),
	PRIMARY KEY (tenant_id, ticket_id, tag),
	FOREIGN KEY (tenant_id, ticket_id) REFERENCES tickets (tenant_id, id)
);

-- Automatic mail (notifications, acknowledgements, explanations) is capped
-- per ticket and per address per hour; this finds the last hour's rows.
CREATE INDEX outbound_automatic ON outbound (tenant_id, created_at)
	WHERE kind IN ('notification', 'ack', 'explanation');
