/* Removing aliases, agents, teams and tenants (contracts in
 * db-lifecycle.h). */
#include "config.h"
#include "db/db-lifecycle.h"
#include "db/db-admin-private.h"

#include <stdlib.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Runs each statement with $1 tenant, $2 a, $3 b (the ones it names);
 * stops at the first failure. */
static int run_all(struct db *db, const char *const *sql, size_t n, int64_t tenant_id, int64_t a, int64_t b,
		   char **error_r)
{
	struct db_num tn, an, bn;
	const char *params[3] = { db_num(&tn, tenant_id), db_id_or_null(&an, a), db_id_or_null(&bn, b) };

	for (size_t i = 0; i < n; i++)
		if (db_exec(db, sql[i], b != 0 ? 3 : a != 0 ? 2 : 1, params, NULL, error_r) < 0)
			return -1;
	return 0;
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_alias_remove(struct db *db, int64_t tenant_id, const char *address, char **team_r,
			      char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), address };

	return db_admin_text_query(db,
				   "DELETE FROM team_aliases a USING teams t WHERE a.tenant_id = $1"
				   " AND a.address = lower($2) AND t.tenant_id = a.tenant_id AND t.id = a.team_id"
				   " RETURNING t.name",
				   2, params, team_r, error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_team_alias_count(struct db *db, int64_t tenant_id, int64_t team_id, int64_t *n_r, char **error_r)
{
	struct db_num tn, mn;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&mn, team_id) };

	return db_admin_id_query(db, "SELECT count(*) FROM team_aliases WHERE tenant_id = $1 AND team_id = $2", 2,
				 params, n_r, error_r) < 0 ? -1 : 0;
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_rules_naming(struct db *db, int64_t tenant_id, const char *text, struct db_table **t_r,
			      char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), text };

	return db_exec(db,
		       "SELECT coalesce(t.name, '') FROM rule_sets r LEFT JOIN teams t ON t.tenant_id = r.tenant_id"
		       " AND t.id = r.team_id WHERE r.tenant_id = $1"
		       " AND strpos(lower(r.source), '\"' || lower($2) || '\"') > 0 ORDER BY 1",
		       2, params, t_r, error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_team_leave(struct db *db, int64_t tenant_id, int64_t team_id, int64_t agent_id, char **error_r)
{
	struct db_num tn, mn, an;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&mn, team_id), db_num(&an, agent_id) };

	return db_admin_id_query(db,
				 "DELETE FROM team_agents WHERE tenant_id = $1 AND team_id = $2 AND agent_id = $3"
				 " RETURNING agent_id",
				 3, params, NULL, error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_agent_lock(struct db *db, int64_t tenant_id, int64_t agent_id, int64_t team_id, char **error_r)
{
	struct db_num tn, an, mn;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&an, agent_id), db_id_or_null(&mn, team_id) };

	if (db_exec(db,
		    "SELECT t.id FROM teams t WHERE t.tenant_id = $1 AND (t.id = $3 OR ($3::bigint IS NULL AND EXISTS"
		    " (SELECT 1 FROM team_agents ta WHERE ta.tenant_id = t.tenant_id AND ta.team_id = t.id"
		    " AND ta.agent_id = $2))) ORDER BY t.id FOR UPDATE",
		    3, params, NULL, error_r) < 0)
		return -1;
	return db_exec(db, "SELECT id FROM agents WHERE tenant_id = $1 AND id = $2 FOR UPDATE", 2, params, NULL,
		       error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_agent_remove(struct db *db, int64_t tenant_id, int64_t agent_id, char **error_r)
{
	static const char *const sql[] = {
		"DELETE FROM team_agents WHERE tenant_id = $1 AND agent_id = $2",
		"UPDATE tickets SET assignee_id = NULL, updated_at = now() WHERE tenant_id = $1 AND assignee_id = $2",
		"UPDATE messages SET agent_id = NULL WHERE tenant_id = $1 AND agent_id = $2",
		"UPDATE teams SET rr_last_agent_id = NULL WHERE tenant_id = $1 AND rr_last_agent_id = $2",
	};
	struct db_num tn, an;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&an, agent_id) };

	if (run_all(db, sql, sizeof(sql) / sizeof(sql[0]), tenant_id, agent_id, 0, error_r) < 0)
		return -1;
	return db_admin_id_query(db, "DELETE FROM agents WHERE tenant_id = $1 AND id = $2 RETURNING id", 2, params,
				 NULL, error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_team_tickets(struct db *db, int64_t tenant_id, int64_t team_id, int64_t *open_r, int64_t *all_r,
			      char **error_r)
{
	struct db_num tn, mn;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&mn, team_id) };
	struct db_table *t;

	/* Deliveries that add a ticket to the team wait for this lock (their
	 * foreign key), so the count includes every ticket committed before
	 * and none can come after. */
	if (db_exec(db, "SELECT id FROM teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE", 2, params, NULL,
		    error_r) < 0)
		return -1;
	if (db_exec(db,
		    "SELECT count(*) FILTER (WHERE status NOT IN ('closed', 'merged')), count(*) FROM tickets"
		    " WHERE tenant_id = $1 AND team_id = $2",
		    2, params, &t, error_r) < 0)
		return -1;
	*open_r = db_cell_int(t, 0, 0);
	*all_r = db_cell_int(t, 0, 1);
	db_table_free(&t);
	return 0;
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_team_ticket_list(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
				  char **error_r)
{
	struct db_num tn, mn;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&mn, team_id) };

	return db_exec(db, "SELECT id, number, status FROM tickets WHERE tenant_id = $1 AND team_id = $2 ORDER BY id",
		       2, params, t_r, error_r);
}

/* Contract in db-lifecycle.h: $1 tenant, $2 team, $3 the team that takes
 * its messages and reasons (NULL: none). */
int db_lifecycle_team_remove(struct db *db, int64_t tenant_id, int64_t team_id, int64_t to_team_id,
			     char **error_r)
{
	static const char *const sql[] = {
		/* Web forms and event types follow the tickets; without a
		 * successor (no tickets) the team's forms go. */
		"DELETE FROM intake_forms WHERE tenant_id = $1 AND team_id = $2 AND $3::bigint IS NULL",
		"UPDATE intake_forms SET team_id = $3 WHERE tenant_id = $1 AND team_id = $2",
		"UPDATE event_types SET team_id = $3 WHERE tenant_id = $1 AND team_id = $2",
		"UPDATE messages SET team_id = $3 WHERE tenant_id = $1 AND team_id = $2",
		"UPDATE reasons SET team_id = $3 WHERE tenant_id = $1 AND team_id = $2",
		"UPDATE teams SET autoack_template = NULL WHERE tenant_id = $1 AND id = $2",
		"DELETE FROM templates WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM rule_sets WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM team_hours WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM sla_policies WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM imap_channels WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM team_aliases WHERE tenant_id = $1 AND team_id = $2",
		"DELETE FROM team_agents WHERE tenant_id = $1 AND team_id = $2",
	};
	struct db_num tn, mn, xn;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&mn, team_id), db_id_or_null(&xn, to_team_id) };

	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++)
		if (db_exec(db, sql[i], i < 5 ? 3 : 2, params, NULL, error_r) < 0)
			return -1;
	return db_admin_id_query(db, "DELETE FROM teams WHERE tenant_id = $1 AND id = $2 RETURNING id", 2, params,
				 NULL, error_r);
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_tenant_dns(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };

	return db_exec(db,
		       "SELECT d.domain, s.selector, s.key_file FROM sending_domains d LEFT JOIN dkim_selectors s"
		       " ON s.domain = d.domain WHERE d.tenant_id = $1 ORDER BY d.domain, s.selector",
		       1, params, t_r, error_r);
}

/* The tables a tenant's rows are deleted from, children before parents
 * (the foreign keys are not ON DELETE CASCADE: a removal names what it
 * removes). Tables added later are swept by maildesk_tenant_sweep() (sql/
 * 025), and whatever is still left stops the removal, named. */
static const char *const tenant_sql[] = {
	/* As a provider: its brands' tickets go back to the brands, its
	 * delegate agents in their tenants and its connections go. */
	"UPDATE tickets t SET handled_by = NULL FROM connections c"
	" WHERE c.provider_id = $1 AND t.tenant_id = c.tenant_id AND t.handled_by = c.id",
	"UPDATE tickets t SET assignee_id = NULL, updated_at = now() FROM agents a, connections c"
	" WHERE c.provider_id = $1 AND a.tenant_id = c.tenant_id AND a.via_connection = c.id"
	" AND t.tenant_id = a.tenant_id AND t.assignee_id = a.id",
	"UPDATE messages m SET agent_id = NULL FROM agents a, connections c"
	" WHERE c.provider_id = $1 AND a.tenant_id = c.tenant_id AND a.via_connection = c.id"
	" AND m.tenant_id = a.tenant_id AND m.agent_id = a.id",
	"UPDATE teams tm SET rr_last_agent_id = NULL FROM agents a, connections c"
	" WHERE c.provider_id = $1 AND a.tenant_id = c.tenant_id AND a.via_connection = c.id"
	" AND tm.tenant_id = a.tenant_id AND tm.rr_last_agent_id = a.id",
	"DELETE FROM team_agents ta USING agents a, connections c"
	" WHERE c.provider_id = $1 AND a.tenant_id = c.tenant_id AND a.via_connection = c.id"
	" AND ta.tenant_id = a.tenant_id AND ta.agent_id = a.id",
	"DELETE FROM agents a USING connections c"
	" WHERE c.provider_id = $1 AND a.tenant_id = c.tenant_id AND a.via_connection = c.id",
	"DELETE FROM connection_events e USING connections c"
	" WHERE c.provider_id = $1 AND e.tenant_id = c.tenant_id AND e.connection_id = c.id",
	"DELETE FROM connections WHERE provider_id = $1",
	"UPDATE teams SET autoack_template = NULL WHERE tenant_id = $1",
	"DELETE FROM http_idempotency h USING api_keys k WHERE k.tenant_id = $1 AND h.api_key_id = k.id",
	"DELETE FROM api_keys WHERE tenant_id = $1",
	"DELETE FROM webhooks WHERE tenant_id = $1", /* and their deliveries (ON DELETE CASCADE) */
	"DELETE FROM attachments WHERE tenant_id = $1",
	"DELETE FROM ticket_tags WHERE tenant_id = $1",
	"DELETE FROM ticket_events WHERE tenant_id = $1",
	"DELETE FROM ticket_participants WHERE tenant_id = $1",
	"DELETE FROM outbound WHERE tenant_id = $1",
	"DELETE FROM messages WHERE tenant_id = $1",
	"DELETE FROM tickets WHERE tenant_id = $1",
	"DELETE FROM blobs WHERE tenant_id = $1",
	"DELETE FROM raw_messages WHERE tenant_id = $1",
	"DELETE FROM reasons WHERE tenant_id = $1",
	"DELETE FROM templates WHERE tenant_id = $1",
	"DELETE FROM rule_sets WHERE tenant_id = $1",
	"DELETE FROM team_hours WHERE tenant_id = $1",
	"DELETE FROM sla_policies WHERE tenant_id = $1",
	"DELETE FROM imap_channels WHERE tenant_id = $1",
	"DELETE FROM team_aliases WHERE tenant_id = $1",
	"DELETE FROM team_agents WHERE tenant_id = $1",
	"DELETE FROM agents WHERE tenant_id = $1",
	"DELETE FROM connection_events WHERE tenant_id = $1", /* as a brand */
	"DELETE FROM connections WHERE tenant_id = $1",
	"DELETE FROM contacts WHERE tenant_id = $1",
	"DELETE FROM intake_forms WHERE tenant_id = $1", /* and their fields (ON DELETE CASCADE) */
	"DELETE FROM event_types WHERE tenant_id = $1",
	"DELETE FROM teams WHERE tenant_id = $1",
	"DELETE FROM dkim_selectors WHERE domain IN (SELECT domain FROM sending_domains WHERE tenant_id = $1)",
	"DELETE FROM sending_domains WHERE tenant_id = $1",
};

/* Fails naming every table that still holds rows of the tenant. */
static int tenant_leftovers(struct db *db, int64_t tenant_id, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	struct db_table *t;
	struct buf b;

	if (db_exec(db, "SELECT table_name, n FROM maildesk_tenant_rows($1)", 1, params, &t, error_r) < 0)
		return -1;
	if (t->n_rows == 0) {
		db_table_free(&t);
		return 0;
	}
	buf_init(&b, 0);
	buf_append_str(&b, "tenant remove does not know how to clear");
	for (size_t i = 0; i < t->n_rows; i++)
		buf_printf(&b, "%s %s (%s rows)", i > 0 ? "," : "", db_table_get(t, i, 0), db_table_get(t, i, 1));
	db_table_free(&t);
	*error_r = buf_steal(&b, NULL);
	return -1;
}

/* Contract in db-lifecycle.h. */
int db_lifecycle_tenant_remove(struct db *db, int64_t tenant_id, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };

	int found = db_admin_id_query(db, "SELECT id FROM tenants WHERE id = $1 FOR UPDATE", 1, params, NULL, error_r);

	if (found <= 0)
		return found;
	if (run_all(db, tenant_sql, sizeof(tenant_sql) / sizeof(tenant_sql[0]), tenant_id, 0, 0, error_r) < 0 ||
	    db_exec(db, "SELECT maildesk_tenant_sweep($1)", 1, params, NULL, error_r) < 0 ||
	    tenant_leftovers(db, tenant_id, error_r) < 0)
		return -1;
	return db_admin_id_query(db, "DELETE FROM tenants WHERE id = $1 RETURNING id", 1, params, NULL, error_r);
}
