-- 008: the rule engine (maildesk-rules(5)), assignment strategies, business
-- hours, SLA policies and due times, snooze wake-ups, ticket fields.

-- A rule program per tenant (team_id NULL: runs for every team, before the
-- team's own) or per team, as loaded by "maildeskctl rule load". version
-- grows with every load; maildeskd recompiles when told (NOTIFY
-- maildesk_rules, sent by the trigger below).
CREATE TABLE rule_sets (
	tenant_id bigint NOT NULL REFERENCES tenants (id),
	team_id bigint,
	source text NOT NULL,
	filename text NOT NULL DEFAULT '',
	version bigint NOT NULL DEFAULT 1,
	loaded_at timestamptz NOT NULL DEFAULT now(),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);
CREATE UNIQUE INDEX rule_sets_scope ON rule_sets (tenant_id, coalesce(team_id, 0));

CREATE FUNCTION md_rules_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('maildesk_rules', NEW.tenant_id::text);
	RETURN NULL;
END $$;
CREATE TRIGGER rule_sets_notify AFTER INSERT OR UPDATE ON rule_sets
	FOR EACH ROW EXECUTE FUNCTION md_rules_notify();

-- How a team hands out tickets when a rule says "assign round-robin" /
-- "least-open" or an agent goes offline-and-reassign: the strategy used
-- by default ('manual': none), a cap of open tickets per agent (0: none)
-- and the round-robin position. Its calendar's time zone.
ALTER TABLE teams
	ADD COLUMN assign_strategy text NOT NULL DEFAULT 'manual'
		CHECK (assign_strategy IN ('manual', 'round-robin', 'least-open')),
	ADD COLUMN assign_max_open integer NOT NULL DEFAULT 0 CHECK (assign_max_open >= 0),
	ADD COLUMN rr_last_agent_id bigint,
	ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

-- A team's weekly business hours; no rows: always open. dow as
-- extract(dow): 0 Sunday .. 6 Saturday, in the team's time_zone.
CREATE TABLE team_hours (
	tenant_id bigint NOT NULL,
	team_id bigint NOT NULL,
	dow smallint NOT NULL CHECK (dow BETWEEN 0 AND 6),
	opens time NOT NULL,
	closes time NOT NULL,
	CHECK (opens < closes),
	PRIMARY KEY (tenant_id, team_id, dow, opens),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);

-- Per team and priority: minutes to the first agent reply and to the
-- ticket being solved or closed, counted in business hours when the team
-- has a calendar. NULL: no target.
CREATE TABLE sla_policies (
	tenant_id bigint NOT NULL,
	team_id bigint NOT NULL,
	priority smallint NOT NULL CHECK (priority BETWEEN 0 AND 3),
	first_response_minutes integer CHECK (first_response_minutes > 0),
	resolution_minutes integer CHECK (resolution_minutes > 0),
	PRIMARY KEY (tenant_id, team_id, priority),
	FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id)
);

-- Each ticket's due times (set from the policy at creation and again when
-- its priority or team changes), when an agent first answered, when each
-- target was breached (sla.breached fires once per target), and fields
-- that rules set ("order" = "12345").
ALTER TABLE tickets
	ADD COLUMN first_response_due timestamptz,
	ADD COLUMN resolution_due timestamptz,
	ADD COLUMN first_response_at timestamptz,
	ADD COLUMN first_response_breached_at timestamptz,
	ADD COLUMN resolution_breached_at timestamptz,
	ADD COLUMN fields jsonb NOT NULL DEFAULT '{}';

-- The wake-up timer reads the earliest snooze time through this index only.
CREATE INDEX tickets_snooze_due ON tickets (snooze_until) WHERE status = 'snoozed';
-- The SLA timer reads the earliest unbreached due times through these.
CREATE INDEX tickets_first_response_due ON tickets (first_response_due)
	WHERE first_response_at IS NULL AND first_response_breached_at IS NULL
	AND first_response_due IS NOT NULL;
CREATE INDEX tickets_resolution_due ON tickets (resolution_due)
	WHERE resolution_breached_at IS NULL AND resolution_due IS NOT NULL
	AND status NOT IN ('solved', 'closed', 'merged');
-- Folders: an agent's open tickets, a team's unassigned ones.
CREATE INDEX tickets_assignee ON tickets (tenant_id, assignee_id, status) WHERE assignee_id IS NOT NULL;

-- A snooze time set or changed tells the daemons' wake-up timers at commit.
-- (Only snooze changes notify: they are rare, and a NOTIFY in every
-- delivery's transaction would serialise the commits.)
CREATE FUNCTION md_snooze_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF NEW.status = 'snoozed' AND NEW.snooze_until IS NOT NULL
	   AND (TG_OP = 'INSERT' OR OLD.snooze_until IS DISTINCT FROM NEW.snooze_until
		OR OLD.status IS DISTINCT FROM NEW.status) THEN
		PERFORM pg_notify('maildesk_timers', '');
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER tickets_snooze_notify AFTER INSERT OR UPDATE OF snooze_until, status ON tickets
	FOR EACH ROW EXECUTE FUNCTION md_snooze_notify();

-- Rule actions are recorded in ticket_events with actor 'rule:NAME'.
