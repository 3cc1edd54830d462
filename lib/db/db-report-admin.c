/* Reports of tenants, teams, agents and templates (contracts in
 * db-report-admin.h). */
#include "config.h"
#include "db/db-report-admin.h"
#include "db/db-admin-private.h"

/* Contract in db-report-admin.h. */
int db_report_tenants(struct db *db, struct db_table **t_r, char **error_r)
{
	return db_exec(db,
		       "SELECT n.id, n.name,"
		       " (SELECT count(*) FROM teams WHERE tenant_id = n.id) AS teams,"
		       " (SELECT count(*) FROM agents WHERE tenant_id = n.id) AS agents,"
		       " (SELECT count(*) FROM tickets WHERE tenant_id = n.id"
		       "   AND status NOT IN ('solved', 'closed', 'merged')) AS open_tickets,"
		       " n.subject_tag_format AS subject_tag,"
		       " n.require_authenticated_requester, n.autoack_unauthenticated,"
		       " " DB_TS("n.created_at") " AS created"
		       " FROM tenants n ORDER BY n.name",
		       0, NULL, t_r, error_r);
}

/* Contract in db-report-admin.h. */
int db_report_teams(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_id_or_null(&n, tenant_id) };

	return db_exec(db,
		       "SELECT n.name AS tenant, m.name AS team, m.id,"
		       " (SELECT coalesce(json_agg(address ORDER BY address), '[]') FROM team_aliases"
		       "   WHERE tenant_id = m.tenant_id AND team_id = m.id) AS aliases,"
		       " (SELECT count(*) FROM team_agents WHERE tenant_id = m.tenant_id AND team_id = m.id)"
		       "   AS agents,"
		       " (SELECT count(*) FROM tickets WHERE tenant_id = m.tenant_id AND team_id = m.id"
		       "   AND status NOT IN ('solved', 'closed', 'merged')) AS open_tickets,"
		       " m.reopen_days"
		       " FROM teams m JOIN tenants n ON n.id = m.tenant_id"
		       " WHERE $1::bigint IS NULL OR m.tenant_id = $1"
		       " ORDER BY n.name, m.name",
		       1, params, t_r, error_r);
}

/* Contract in db-report-admin.h. */
int db_report_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r, char **error_r)
{
	struct db_num n, m;
	const char *params[2] = { db_id_or_null(&n, tenant_id), db_id_or_null(&m, team_id) };

	return db_exec(db,
		       "SELECT n.name AS tenant, a.email, a.name, a.status,"
		       " (SELECT coalesce(json_agg(m.name ORDER BY m.name), '[]')"
		       "   FROM team_agents ta JOIN teams m"
		       "   ON m.tenant_id = ta.tenant_id AND m.id = ta.team_id"
		       "   WHERE ta.tenant_id = a.tenant_id AND ta.agent_id = a.id) AS teams"
		       " FROM agents a JOIN tenants n ON n.id = a.tenant_id"
		       " WHERE ($1::bigint IS NULL OR a.tenant_id = $1)"
		       " AND ($2::bigint IS NULL OR EXISTS (SELECT 1 FROM team_agents"
		       "   WHERE tenant_id = a.tenant_id AND agent_id = a.id AND team_id = $2))"
		       " ORDER BY n.name, a.email",
		       2, params, t_r, error_r);
}

/* Contract in db-report-admin.h. */
int db_report_agent(struct db *db, int64_t tenant_id, const char *email, struct db_table **agent_r,
		    struct db_table **teams_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), email };

	if (db_exec(db,
		    "SELECT a.id, n.name AS tenant, a.email, a.name, a.status, " DB_TS("a.created_at") " AS created,"
		    " a.notify_offline FROM agents a JOIN tenants n ON n.id = a.tenant_id"
		    " WHERE a.tenant_id = $1 AND a.email = lower($2)",
		    2, params, agent_r, error_r) < 0)
		return -1;
	if ((*agent_r)->n_rows == 0) {
		db_table_free(agent_r);
		return 0;
	}
	const char *p2[2] = { params[0], db_table_get(*agent_r, 0, 0) };
	if (db_exec(db,
		    "SELECT m.id, m.name FROM team_agents ta JOIN teams m ON m.tenant_id = ta.tenant_id"
		    " AND m.id = ta.team_id WHERE ta.tenant_id = $1 AND ta.agent_id = $2 ORDER BY m.name",
		    2, p2, teams_r, error_r) < 0) {
		db_table_free(agent_r);
		return -1;
	}
	return 1;
}

/* Contract in db-report-admin.h. */
int db_report_templates(struct db *db, int64_t tenant_id, const char *team, struct db_table **t_r,
			char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_id_or_null(&n, tenant_id), team };

	return db_exec(db,
		       "SELECT n.name AS tenant, m.name AS team, p.name,"
		       " coalesce(m.autoack_template = p.name, false) AS autoack,"
		       " octet_length(p.body) AS bytes, " DB_TS("p.updated_at") " AS updated"
		       " FROM templates p JOIN teams m ON m.tenant_id = p.tenant_id AND m.id = p.team_id"
		       " JOIN tenants n ON n.id = p.tenant_id"
		       " WHERE ($1::bigint IS NULL OR p.tenant_id = $1) AND ($2::text IS NULL OR m.name = $2)"
		       " ORDER BY n.name, m.name, p.name",
		       2, params, t_r, error_r);
}

/* Contract in db-report-admin.h. */
int db_report_team_routing(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
			   struct db_table **hours_r, char **error_r)
{
	struct db_num n, m;
	const char *params[2] = { db_num(&n, tenant_id), db_num(&m, team_id) };

	if (db_exec(db,
		    "SELECT m.name AS team, m.assign_strategy AS strategy, m.assign_max_open AS max_open,"
		    " m.time_zone, NULL AS hours FROM teams m WHERE m.tenant_id = $1 AND m.id = $2",
		    2, params, t_r, error_r) < 0)
		return -1;
	if (db_exec(db,
		    "SELECT dow, to_char(opens, 'HH24:MI') || '-' || CASE WHEN closes = '24:00'"
		    " THEN '24:00' ELSE to_char(closes, 'HH24:MI') END FROM team_hours"
		    " WHERE tenant_id = $1 AND team_id = $2 ORDER BY dow, opens",
		    2, params, hours_r, error_r) < 0) {
		db_table_free(t_r);
		return -1;
	}
	return 0;
}

/* Contract in db-report-admin.h. */
int db_report_slas(struct db *db, int64_t tenant_id, const char *team, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), team };

	return db_exec(db,
		       "SELECT m.name AS team, (ARRAY['low','medium','high','urgent'])[s.priority + 1] AS priority,"
		       " s.first_response_minutes, s.resolution_minutes FROM sla_policies s"
		       " JOIN teams m ON m.tenant_id = s.tenant_id AND m.id = s.team_id"
		       " WHERE s.tenant_id = $1 AND ($2::text IS NULL OR m.name = $2)"
		       " ORDER BY m.name, s.priority DESC",
		       2, params, t_r, error_r);
}
