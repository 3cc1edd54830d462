-- 017: issue 12's lifecycle and search.
--
-- (1) Solved tickets close by themselves after the team's close_after_s
-- seconds (NULL: never; default 7 days). A ticket's closed_at is set when
-- it is solved (db_ticket_set_status), so the due time is
-- closed_at + close_after_s. The partial index below gives the daemons'
-- "next due" read one probe per team with a close-after (the oldest solved
-- ticket of each), however many solved tickets teams without one keep.
ALTER TABLE teams
	ADD COLUMN close_after_s integer DEFAULT 604800 CHECK (close_after_s > 0);
CREATE INDEX tickets_solved ON tickets (tenant_id, team_id, closed_at) WHERE status = 'solved';

-- A ticket becoming solved tells the daemons' timers at commit, as a
-- snooze does (md_snooze_notify of 008): solving is rare.
CREATE TRIGGER tickets_solved_notify AFTER UPDATE OF status ON tickets
	FOR EACH ROW WHEN (NEW.status = 'solved' AND OLD.status IS DISTINCT FROM NEW.status)
	EXECUTE FUNCTION md_snooze_notify();

-- (2) Full-text search over each message's subject and text. The text
-- search configuration is the tenant's (tenants.search_config, a
-- pg_ts_config name, checked by "maildeskctl tenant set --search-language"),
-- copied onto each message when it is stored, so that the index is on an
-- expression of the row alone: no trigger, nothing computed at ingest but
-- the index entry. Names are kept as text, not regconfig: pg_upgrade
-- refuses reg* columns other than regclass/regtype/regrole.
ALTER TABLE tenants
	ADD COLUMN search_config text NOT NULL DEFAULT 'simple';
ALTER TABLE messages
	ADD COLUMN search_config text NOT NULL DEFAULT 'simple';

-- The document of one message: subject and text, at most 100000
-- characters (a tsvector holds at most 1 MB: a longer body must never
-- make a delivery fail). Declared IMMUTABLE so that it can be indexed:
-- the name-to-configuration mapping is stable unless someone drops and
-- recreates a configuration of the same name (then REINDEX).
CREATE FUNCTION md_search_vector(cfg text, subject text, body text) RETURNS tsvector
	LANGUAGE sql IMMUTABLE PARALLEL SAFE AS
$$ SELECT to_tsvector(cfg::regconfig, left(coalesce(subject, '') || E'\n' || coalesce(body, ''), 100000)) $$;

CREATE INDEX messages_search ON messages
	USING gin (md_search_vector(search_config, subject, text_body));

-- Exact matches: a requester's tickets (contacts are found by address
-- through their unique index; tickets by requester through 008's
-- tickets_requester_open only while open, so one for every status).
CREATE INDEX tickets_requester ON tickets (tenant_id, requester_id, last_activity_at);
-- "contact show" lists the tickets an address takes part in, too.
CREATE INDEX ticket_participants_contact ON ticket_participants (tenant_id, contact_id);
