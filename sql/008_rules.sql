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
	AND first_response_due IS NOT NULL AND status NOT IN ('solved', 'closed', 'merged');
CREATE INDEX tickets_resolution_due ON tickets (resolution_due)
	WHERE resolution_breached_at IS NULL AND resolution_due IS NOT NULL
	AND status NOT IN ('solved', 'closed', 'merged');
-- Folders: an agent's open tickets, a team's unassigned ones.
CREATE INDEX tickets_assignee ON tickets (tenant_id, assignee_id, status) WHERE assignee_id IS NOT NULL;

-- A snooze time set or changed tells the daemons' wake-up timers at commit.
-- (Only snooze changes notify: they are rare, and a NOTIFY in every
-- delivery's transaction would serialise the commits.) The WHEN clauses
-- keep every other insert and update of a ticket from calling the
-- function at all.
CREATE FUNCTION md_snooze_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('maildesk_timers', '');
	RETURN NULL;
END $$;
CREATE TRIGGER tickets_snooze_notify_insert AFTER INSERT ON tickets
	FOR EACH ROW WHEN (NEW.status = 'snoozed' AND NEW.snooze_until IS NOT NULL)
	EXECUTE FUNCTION md_snooze_notify();
CREATE TRIGGER tickets_snooze_notify_update AFTER UPDATE OF snooze_until, status ON tickets
	FOR EACH ROW WHEN (NEW.status = 'snoozed' AND NEW.snooze_until IS NOT NULL
		AND (OLD.snooze_until IS DISTINCT FROM NEW.snooze_until OR OLD.status IS DISTINCT FROM NEW.status))
	EXECUTE FUNCTION md_snooze_notify();

-- Rule actions are recorded in ticket_events with actor 'rule:NAME'.

-- The requester's other open tickets (customer.open_tickets in rules) are
-- counted through this index.
CREATE INDEX tickets_requester_open ON tickets (tenant_id, requester_id)
	WHERE status IN ('open', 'pending', 'snoozed');

-- Whether at is inside the team's weekly business hours, in the team's
-- time zone; a team without team_hours rows is always open.
CREATE FUNCTION md_in_business_hours(p_tenant bigint, p_team bigint, p_at timestamptz) RETURNS boolean
LANGUAGE plpgsql STABLE AS $$
DECLARE
	lt timestamp;
BEGIN
	IF NOT EXISTS (SELECT 1 FROM team_hours WHERE tenant_id = p_tenant AND team_id = p_team) THEN
		RETURN true;
	END IF;
	SELECT p_at AT TIME ZONE time_zone INTO lt FROM teams WHERE tenant_id = p_tenant AND id = p_team;
	RETURN EXISTS (SELECT 1 FROM team_hours h WHERE h.tenant_id = p_tenant AND h.team_id = p_team
		AND h.dow = extract(dow FROM lt) AND lt::time >= h.opens AND lt::time < h.closes);
END $$;

-- p_start plus p_minutes of business time: plain addition for a team
-- without team_hours rows; else only time inside the weekly hours counts,
-- walked day by day in the team's time zone (a segment's real length is
-- taken between its ends as instants, so DST changes count right). Gives
-- up (NULL: no due time) past ten years of calendar.
CREATE FUNCTION md_business_add(p_tenant bigint, p_team bigint, p_start timestamptz, p_minutes integer)
RETURNS timestamptz LANGUAGE plpgsql STABLE STRICT AS $$
DECLARE
	tz text;
	cursor_local timestamp;
	d date;
	remaining double precision := p_minutes * 60.0;
	seg_start timestamptz;
	seg_end timestamptz;
	seg double precision;
	h record;
BEGIN
	IF p_minutes <= 0 THEN
		RETURN p_start;
	END IF;
	IF NOT EXISTS (SELECT 1 FROM team_hours WHERE tenant_id = p_tenant AND team_id = p_team) THEN
		RETURN p_start + make_interval(mins => p_minutes);
	END IF;
	SELECT time_zone INTO tz FROM teams WHERE tenant_id = p_tenant AND id = p_team;
	cursor_local := p_start AT TIME ZONE tz;
	d := cursor_local::date;
	FOR i IN 1..3660 LOOP
		FOR h IN SELECT opens, closes FROM team_hours WHERE tenant_id = p_tenant AND team_id = p_team
				AND dow = extract(dow FROM d) ORDER BY opens LOOP
			IF d + h.closes > cursor_local THEN
				seg_start := greatest(d + h.opens, cursor_local) AT TIME ZONE tz;
				seg_end := (d + h.closes) AT TIME ZONE tz;
				seg := extract(epoch FROM seg_end) - extract(epoch FROM seg_start);
				IF seg >= remaining THEN
					RETURN seg_start + make_interval(secs => remaining);
				END IF;
				remaining := remaining - greatest(seg, 0);
				cursor_local := d + h.closes;
			END IF;
		END LOOP;
		d := d + 1;
	END LOOP;
	RETURN NULL;
END $$;
