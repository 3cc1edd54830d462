-- 025: lifecycle (issue 14): removing tenants, teams, aliases and agents,
-- and the audit log of administrative changes.
--
-- audit_log: one row per administrative change, written in the change's
-- own transaction (db_audit_record). actor: "unix:USER" for maildeskctl,
-- the agent's address for changes made by mail. before/after: the object
-- as JSON (NULL: it did not exist / no longer exists, or the command gave
-- only its arguments in after). tenant_id 0: provider-wide (shared
-- domain, a tenant that could not be named). The rows are kept when their
-- tenant is removed (they are the record that it was, tenant_name keeps
-- who it was): there is no foreign key to tenants on purpose.
CREATE TABLE audit_log (
	tenant_id bigint NOT NULL DEFAULT 0,
	id bigserial NOT NULL,
	at timestamptz NOT NULL DEFAULT now(),
	tenant_name text,
	actor text NOT NULL CHECK (actor <> ''),
	action text NOT NULL CHECK (action <> ''),
	object text NOT NULL DEFAULT '',
	before jsonb,
	after jsonb,
	PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_at ON audit_log (at);

-- How many rows each table with a tenant_id column holds for tenant t
-- (audit_log excepted), for "tenant remove" to prove that nothing of a
-- removed tenant is left, whatever tables later migrations add. The table
-- names come from the catalogue and are quoted by format(%I); the tenant
-- is a parameter.
CREATE FUNCTION maildesk_tenant_rows(t bigint) RETURNS TABLE (table_name text, n bigint)
LANGUAGE plpgsql STABLE AS $$
DECLARE
	r record;
BEGIN
	FOR r IN SELECT c.table_name AS tbl FROM information_schema.columns c
		JOIN information_schema.tables tb ON tb.table_schema = c.table_schema AND tb.table_name = c.table_name
		WHERE c.table_schema = current_schema() AND c.column_name = 'tenant_id'
		  AND tb.table_type = 'BASE TABLE' AND c.table_name <> 'audit_log'
		ORDER BY 1
	LOOP
		table_name := r.tbl;
		EXECUTE format('SELECT count(*) FROM %I WHERE tenant_id = $1', r.tbl) INTO n USING t;
		IF n > 0 THEN
			RETURN NEXT;
		END IF;
	END LOOP;
END
$$;

-- Deletes tenant t's rows from every table with a tenant_id column that
-- still holds some (audit_log excepted), for tables added after "tenant
-- remove" learned its explicit list (lib/db/db-lifecycle.c): passes over
-- the tables until none is left or a pass deletes nothing; a delete that a
-- foreign key refuses is retried in the next pass, after its children.
-- Returns how many rows it deleted. maildesk_tenant_rows() then tells
-- whether anything is left.
CREATE FUNCTION maildesk_tenant_sweep(t bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
	r record;
	n bigint;
	total bigint := 0;
	progress boolean := true;
BEGIN
	WHILE progress LOOP
		progress := false;
		FOR r IN SELECT table_name FROM maildesk_tenant_rows(t) LOOP
			BEGIN
				EXECUTE format('DELETE FROM %I WHERE tenant_id = $1', r.table_name) USING t;
				GET DIAGNOSTICS n = ROW_COUNT;
				IF n > 0 THEN
					total := total + n;
					progress := true;
				END IF;
			EXCEPTION WHEN foreign_key_violation THEN
				NULL;
			END;
		END LOOP;
	END LOOP;
	RETURN total;
END
$$;
