/* Agents and team templates as the administrator changes them (contracts
 * in db-admin-agent.h). */
#include "config.h"
#include "db/db-admin-agent.h"
#include "db/db-admin-private.h"

#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-admin-agent.h. */
int db_admin_agent_add(struct db *db, int64_t tenant_id, const char *email, const char *name,
		       const char *signature, int64_t *id_r, char **error_r)
{
	struct db_num n;
	const char *params[4] = { db_num(&n, tenant_id), email, name, signature };

	return db_admin_id_query(db,
				 "INSERT INTO agents (tenant_id, email, name, signature)"
				 " VALUES ($1, lower($2), $3, $4) RETURNING id",
				 4, params, id_r, error_r) < 0 ? -1 : 0;
}

/* Contract in db-admin-agent.h. */
int db_admin_agent_team_join(struct db *db, int64_t tenant_id, int64_t team_id, int64_t agent_id,
			     char **error_r)
{
	struct db_num n, m, g;
	const char *params[3] = { db_num(&n, tenant_id), db_num(&m, team_id), db_num(&g, agent_id) };

	return db_exec(db,
		       "INSERT INTO team_agents (tenant_id, team_id, agent_id) VALUES ($1, $2, $3)"
		       " ON CONFLICT DO NOTHING",
		       3, params, NULL, error_r);
}

/* Contract in db-admin-agent.h. */
int db_admin_agent_set(struct db *db, int64_t tenant_id, const char *email, const struct db_agent_settings *s,
		       char **error_r)
{
	struct db_num n;
	const char *params[5] = { db_num(&n, tenant_id), email, s->name, s->signature,
				  s->notify_offline < 0 ? NULL : s->notify_offline ? "t" : "f" };

	return db_admin_id_query(db,
				 "UPDATE agents SET name = coalesce($3, name), signature = coalesce($4, signature),"
				 " notify_offline = coalesce($5::boolean, notify_offline)"
				 " WHERE tenant_id = $1 AND email = lower($2) RETURNING id",
				 5, params, NULL, error_r);
}

/* Contract in db-admin-agent.h. */
int db_admin_agent_find(struct db *db, int64_t tenant_id, const char *email, int64_t *id_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), email };

	return db_admin_id_query(db, "SELECT id FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params,
				 id_r, error_r);
}

/* Contract in db-admin-agent.h. */
int db_admin_agent_status(struct db *db, int64_t tenant_id, const char *email, int64_t *id_r, char **status_r,
			  char **tenant_name_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), email };
	struct db_table *t;
	int found;

	if (db_exec(db,
		    "SELECT a.id, a.status, n.name FROM tenants n"
		    " LEFT JOIN agents a ON a.tenant_id = n.id AND a.email = lower($2) WHERE n.id = $1",
		    2, params, &t, error_r) < 0)
		return -1;
	found = t->n_rows > 0 && db_table_get(t, 0, 0) != NULL;
	if (found) {
		*id_r = strtoll(db_table_get(t, 0, 0), NULL, 10);
		if (status_r != NULL)
			*status_r = xstrdup(db_table_get(t, 0, 1));
	} else {
		*tenant_name_r = t->n_rows > 0 ? xstrdup(db_table_get(t, 0, 2)) : NULL;
	}
	db_table_free(&t);
	return found;
}

/* One template statement: $1 tenant, $2 team, $3 name, $4 extra. */
static int template_exec(struct db *db, const char *sql, int64_t tenant_id, int64_t team_id, const char *name,
			 const char *extra, struct db_table **t_r, char **error_r)
{
	struct db_num n, m;
	const char *params[4] = { db_num(&n, tenant_id), db_num(&m, team_id), name, extra };

	return db_exec(db, sql, extra != NULL ? 4 : 3, params, t_r, error_r);
}

/* Contract in db-admin-agent.h. */
int db_admin_template_save(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *body,
			   bool *added_r, char **error_r)
{
	struct db_table *t;

	if (template_exec(db,
			  "INSERT INTO templates (tenant_id, team_id, name, body) VALUES ($1, $2, $3, $4)"
			  " ON CONFLICT (tenant_id, team_id, name) DO UPDATE SET body = excluded.body, updated_at = now()"
			  " RETURNING xmax = 0",
			  tenant_id, team_id, name, body, &t, error_r) < 0)
		return -1;
	*added_r = strcmp(db_table_get(t, 0, 0), "t") == 0;
	db_table_free(&t);
	return 0;
}

/* Contract in db-admin-agent.h. */
int db_admin_template_get(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
			  char **error_r)
{
	struct db_num n, m;
	const char *params[3] = { db_num(&n, tenant_id), db_num(&m, team_id), name };

	return db_admin_text_query(db, "SELECT body FROM templates WHERE tenant_id = $1 AND team_id = $2 AND name = $3",
				   3, params, body_r, error_r);
}

/* Contract in db-admin-agent.h. */
int db_admin_template_usage(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, bool *autoack_r,
			    char **error_r)
{
	struct db_table *t;
	int found;

	if (template_exec(db,
			  "SELECT (SELECT autoack_template FROM teams WHERE tenant_id = $1 AND id = $2) = $3,"
			  " (SELECT count(*) FROM templates WHERE tenant_id = $1 AND team_id = $2 AND name = $3)",
			  tenant_id, team_id, name, NULL, &t, error_r) < 0)
		return -1;
	found = strcmp(db_table_get(t, 0, 1), "0") != 0;
	*autoack_r = db_table_get(t, 0, 0) != NULL && strcmp(db_table_get(t, 0, 0), "t") == 0;
	db_table_free(&t);
	return found;
}

/* Contract in db-admin-agent.h. */
int db_admin_template_remove(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **error_r)
{
	return template_exec(db, "DELETE FROM templates WHERE tenant_id = $1 AND team_id = $2 AND name = $3",
			     tenant_id, team_id, name, NULL, NULL, error_r);
}
