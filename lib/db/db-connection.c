/* Providers and brands (contracts in db-connection.h). */
#include "config.h"
#include "db/db-connection.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-connection.h. */
void db_connection_free(struct db_connection *c)
{
	free(c->brand);
	free(c->provider);
	free(c->provider_team);
	free(c->support_owner);
	free(c->contact);
	free(c->warehouse);
	free(c->webhook_url);
	memset(c, 0, sizeof(*c));
}

/* A text cell, NULL for SQL NULL. */
static char *cell_or_null(const struct db_table *t, size_t col)
{
	const char *v = db_table_get(t, 0, col);
	return v != NULL ? xstrdup(v) : NULL;
}

/* Contract in db-connection.h. */
int db_connection_add(struct db *db, int64_t brand_id, int64_t provider_id, const struct db_connection_fields *f,
		      int64_t *id_r, char **error_r)
{
	struct db_num b, p, tm, mo;
	const char *params[8] = { db_num(&b, brand_id), db_num(&p, provider_id), f->support_owner,
				  db_id_or_null(&tm, f->provider_team_id), f->contact, f->warehouse,
				  f->monthly_orders >= 0 ? db_num(&mo, f->monthly_orders) : NULL, f->webhook_url };

	return db_admin_id_query(db,
				 "INSERT INTO connections (tenant_id, provider_id, support_owner, provider_team_id,"
				 " contact, warehouse, monthly_orders, webhook_url)"
				 " VALUES ($1, $2, $3, $4, lower($5), $6, $7, $8) RETURNING id",
				 8, params, id_r, error_r) < 0
		       ? -1
		       : 0;
}

#define CONNECTION_SELECT                                                                             \
	"SELECT c.id, c.tenant_id, c.provider_id, coalesce(c.provider_team_id, 0), b.name, p.name, tm.name," \
	" c.support_owner, c.contact, c.warehouse, c.webhook_url, coalesce(c.monthly_orders, -1), c.active" \
	" FROM connections c JOIN tenants b ON b.id = c.tenant_id JOIN tenants p ON p.id = c.provider_id"   \
	" LEFT JOIN teams tm ON tm.tenant_id = c.provider_id AND tm.id = c.provider_team_id"
/* A connection by id, by brand or both ($1, $2), optionally of provider $3. */
#define CONNECTION_WHERE                                                                         \
	" WHERE ($1::bigint IS NULL OR c.id = $1) AND ($2::bigint IS NULL OR c.tenant_id = $2)"  \
	" AND ($3::bigint IS NULL OR c.provider_id = $3)"                                        \
	" AND ($1::bigint IS NOT NULL OR $2::bigint IS NOT NULL)"

/* Contract in db-connection.h. */
int db_connection_get(struct db *db, int64_t id, int64_t brand_id, int64_t provider_id, bool lock,
		      struct db_connection *c, char **error_r)
{
	struct db_num i, b, p;
	const char *params[3] = { db_id_or_null(&i, id), db_id_or_null(&b, brand_id), db_id_or_null(&p, provider_id) };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				lock ? CONNECTION_SELECT CONNECTION_WHERE " FOR UPDATE OF c" : CONNECTION_SELECT CONNECTION_WHERE,
				3, params, &t, error_r);

	if (found <= 0)
		return found;
	*c = (struct db_connection){
		.id = db_cell_int(t, 0, 0), .brand_id = db_cell_int(t, 0, 1), .provider_id = db_cell_int(t, 0, 2),
		.provider_team_id = db_cell_int(t, 0, 3), .brand = db_cell_str(t, 0, 4), .provider = db_cell_str(t, 0, 5),
		.provider_team = cell_or_null(t, 6), .support_owner = db_cell_str(t, 0, 7), .contact = cell_or_null(t, 8),
		.warehouse = cell_or_null(t, 9), .webhook_url = cell_or_null(t, 10),
		.monthly_orders = db_cell_int(t, 0, 11), .active = db_cell_bool(t, 0, 12),
	};
	db_table_free(&t);
	return 1;
}

/* Contract in db-connection.h. "" clears a text, NULL keeps it. */
int db_connection_update(struct db *db, int64_t brand_id, int64_t id, const struct db_connection_fields *f,
			 char **error_r)
{
	struct db_num b, i, tm, mo;
	const char *params[8] = { db_num(&b, brand_id),
				  db_num(&i, id),
				  f->support_owner,
				  db_id_or_null(&tm, f->provider_team_id),
				  f->contact,
				  f->warehouse,
				  f->webhook_url,
				  f->monthly_orders >= -1 ? db_num(&mo, f->monthly_orders) : NULL };

	return db_exec(db,
		       "UPDATE connections SET support_owner = coalesce($3, support_owner),"
		       " provider_team_id = coalesce($4, provider_team_id),"
		       " contact = CASE WHEN $5::text IS NULL THEN contact ELSE nullif(lower($5), '') END,"
		       " warehouse = CASE WHEN $6::text IS NULL THEN warehouse ELSE nullif($6, '') END,"
		       " webhook_url = CASE WHEN $7::text IS NULL THEN webhook_url ELSE nullif($7, '') END,"
		       " monthly_orders = CASE WHEN $8::bigint IS NULL THEN monthly_orders"
		       " WHEN $8 < 0 THEN NULL ELSE $8 END"
		       " WHERE tenant_id = $1 AND id = $2",
		       8, params, NULL, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-connection.h. */
int db_connection_active_set(struct db *db, int64_t brand_id, int64_t id, bool active, char **error_r)
{
	struct db_num b, i;
	const char *params[3] = { db_num(&b, brand_id), db_num(&i, id), active ? "t" : "f" };

	return db_exec(db,
		       "UPDATE connections SET active = $3::boolean,"
		       " disconnected_at = CASE WHEN $3::boolean THEN NULL ELSE now() END"
		       " WHERE tenant_id = $1 AND id = $2",
		       3, params, NULL, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-connection.h. */
int db_connection_move_open(struct db *db, int64_t brand_id, int64_t id, bool to_provider, int64_t *n_r,
			    char **error_r)
{
	struct db_num b, i;
	const char *params[3] = { db_num(&b, brand_id), db_num(&i, id), to_provider ? "t" : "f" };

	return db_admin_id_query(db,
				 "WITH moved AS (UPDATE tickets SET handled_by = CASE WHEN $3::boolean THEN $2::bigint"
				 " END, updated_at = now() WHERE tenant_id = $1"
				 " AND status NOT IN ('solved', 'closed', 'merged')"
				 " AND handled_by IS DISTINCT FROM CASE WHEN $3::boolean THEN $2::bigint END"
				 " RETURNING 1) SELECT count(*) FROM moved",
				 3, params, n_r, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-connection.h. */
int db_connection_event(struct db *db, int64_t brand_id, int64_t id, const char *actor, const char *kind,
			const char *detail, char **error_r)
{
	struct db_num b, i;
	const char *params[5] = { db_num(&b, brand_id), db_num(&i, id), actor, kind, detail };

	return db_exec(db,
		       "INSERT INTO connection_events (tenant_id, connection_id, actor, kind, detail)"
		       " VALUES ($1, $2, $3, $4, $5)",
		       5, params, NULL, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-connection.h. */
int db_report_connections(struct db *db, int64_t provider_id, int64_t brand_id, struct db_table **t_r,
			  char **error_r)
{
	struct db_num p, b;
	const char *params[2] = { db_id_or_null(&p, provider_id), db_id_or_null(&b, brand_id) };

	return db_exec(db,
		       "SELECT c.id, p.name AS provider, b.name AS brand, c.support_owner, tm.name AS provider_team,"
		       " c.contact, c.warehouse, c.monthly_orders, c.webhook_url, c.active,"
		       " (SELECT count(*) FROM tickets t WHERE t.tenant_id = c.tenant_id AND t.handled_by = c.id"
		       " AND c.active AND t.status NOT IN ('solved', 'closed', 'merged')) AS open_tickets,"
		       " " DB_TS("c.created_at") " AS created, " DB_TS("c.disconnected_at") " AS disconnected,"
		       " (SELECT w.id FROM webhooks w WHERE w.tenant_id = c.tenant_id AND w.connection_id = c.id)"
		       " AS webhook"
		       " FROM connections c JOIN tenants b ON b.id = c.tenant_id JOIN tenants p ON p.id = c.provider_id"
		       " LEFT JOIN teams tm ON tm.tenant_id = c.provider_id AND tm.id = c.provider_team_id"
		       " WHERE ($1::bigint IS NULL OR c.provider_id = $1) AND ($2::bigint IS NULL OR c.tenant_id = $2)"
		       " ORDER BY p.name, b.name, c.id",
		       2, params, t_r, error_r);
}

/* Contract in db-connection.h. */
int db_report_connection_events(struct db *db, int64_t brand_id, int64_t id, struct db_table **t_r,
				char **error_r)
{
	struct db_num b, i;
	const char *params[2] = { db_num(&b, brand_id), db_num(&i, id) };

	return db_exec(db,
		       "SELECT " DB_TS("at") " AS at, actor, kind, detail FROM connection_events"
		       " WHERE tenant_id = $1 AND connection_id = $2 ORDER BY at, id",
		       2, params, t_r, error_r);
}

/* Contract in db-connection.h. */
int db_connection_ticket_route(struct db *db, int64_t brand_id, int64_t ticket_id, bool to_provider,
			       int64_t *connection_id_r, char **provider_r, char **error_r)
{
	struct db_num b, t;
	const char *params[3] = { db_num(&b, brand_id), db_num(&t, ticket_id), to_provider ? "t" : "f" };
	struct db_table *res = NULL;
	int found = db_exec_row(db,
				"UPDATE tickets t SET handled_by = c.id FROM connections c"
				" JOIN tenants p ON p.id = c.provider_id"
				" WHERE t.tenant_id = $1 AND t.id = $2 AND c.tenant_id = $1 AND c.active"
				" AND (c.support_owner = 'provider' OR $3::boolean) RETURNING c.id, p.name",
				3, params, &res, error_r);

	if (found <= 0)
		return found;
	*connection_id_r = db_cell_int(res, 0, 0);
	*provider_r = db_cell_str(res, 0, 1);
	db_table_free(&res);
	return 1;
}

/* Contract in db-connection.h. The ON CONFLICT's WHERE leaves a brand's
 * own agent of the same address alone. */
int db_connection_delegates_sync(struct db *db, int64_t brand_id, int64_t id, char **error_r)
{
	struct db_num b, i;
	const char *params[2] = { db_num(&b, brand_id), db_num(&i, id) };

	return db_exec(db,
		       "INSERT INTO agents AS d (tenant_id, email, name, signature, status, notify_offline,"
		       " via_connection, provider_agent_id)"
		       " SELECT c.tenant_id, a.email, a.name, a.signature, a.status, a.notify_offline, c.id, a.id"
		       " FROM connections c JOIN team_agents ta ON ta.tenant_id = c.provider_id"
		       " AND ta.team_id = c.provider_team_id"
		       " JOIN agents a ON a.tenant_id = ta.tenant_id AND a.id = ta.agent_id"
		       " WHERE c.tenant_id = $1 AND c.id = $2 AND c.active"
		       " ON CONFLICT (tenant_id, email) DO UPDATE SET name = EXCLUDED.name, status = EXCLUDED.status,"
		       " notify_offline = EXCLUDED.notify_offline, via_connection = EXCLUDED.via_connection,"
		       " provider_agent_id = EXCLUDED.provider_agent_id WHERE d.provider_agent_id IS NOT NULL",
		       2, params, NULL, error_r) < 0
		       ? -1
		       : 0;
}

/* A delegate acts while its connection handles the ticket and is active,
 * and its provider agent is in the connection's provider team. */
#define DELEGATE_IN_TEAM                                                                      \
	"EXISTS (SELECT 1 FROM team_agents ta WHERE ta.tenant_id = c.provider_id"             \
	" AND ta.team_id = c.provider_team_id AND ta.agent_id = d.provider_agent_id)"

/* Contract in db-connection.h. */
int db_connection_handlers(struct db *db, int64_t brand_id, int64_t ticket_id, int64_t **ids_r, size_t *n_r,
			   char **error_r)
{
	struct db_num b, t;
	const char *params[2] = { db_num(&b, brand_id), db_num(&t, ticket_id) };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT d.id FROM tickets t JOIN connections c ON c.tenant_id = t.tenant_id AND c.id = t.handled_by"
		    " AND c.active JOIN agents d ON d.tenant_id = t.tenant_id AND d.via_connection = c.id"
		    " WHERE t.tenant_id = $1 AND t.id = $2 AND " DELEGATE_IN_TEAM " ORDER BY d.email",
		    2, params, &res, error_r) < 0)
		return -1;
	*n_r = res->n_rows;
	*ids_r = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(**ids_r));
	for (size_t i = 0; i < res->n_rows; i++)
		(*ids_r)[i] = db_cell_int(res, i, 0);
	db_table_free(&res);
	return 0;
}

/* Contract in db-connection.h. */
int db_connection_acting_get(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id,
			     struct db_connection_acting *r, char **error_r)
{
	struct db_num tn, tk, ag;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), db_num(&ag, agent_id) };
	struct db_table *t = NULL;
	int found = db_exec_row(
		db,
		"SELECT coalesce(h.id, 0), coalesce(d.via_connection, 0),"
		" EXISTS (SELECT 1 FROM connections c WHERE c.tenant_id = d.tenant_id AND c.id = d.via_connection"
		" AND " DELEGATE_IN_TEAM "),"
		" (SELECT p.name FROM connections c JOIN tenants p ON p.id = c.provider_id"
		" WHERE c.tenant_id = t.tenant_id AND c.id = coalesce(h.id, d.via_connection)), b.name"
		" FROM tickets t JOIN agents d ON d.tenant_id = t.tenant_id AND d.id = $3"
		" JOIN tenants b ON b.id = t.tenant_id"
		" LEFT JOIN connections h ON h.tenant_id = t.tenant_id AND h.id = t.handled_by AND h.active"
		" WHERE t.tenant_id = $1 AND t.id = $2",
		3, params, &t, error_r);

	if (found <= 0)
		return found;
	*r = (struct db_connection_acting){ .handled_by = db_cell_int(t, 0, 0), .via = db_cell_int(t, 0, 1),
					    .in_provider_team = db_cell_bool(t, 0, 2), .provider = cell_or_null(t, 3),
					    .brand = db_cell_str(t, 0, 4) };
	db_table_free(&t);
	return 1;
}

/* Contract in db-connection.h. */
void db_connection_acting_free(struct db_connection_acting *r)
{
	free(r->provider);
	free(r->brand);
	memset(r, 0, sizeof(*r));
}

/* Contract in db-connection.h. */
int db_connection_ticket_handler(struct db *db, int64_t brand_id, int64_t ticket_id, int64_t *connection_id_r,
				 char **error_r)
{
	struct db_num b, t;
	const char *params[2] = { db_num(&b, brand_id), db_num(&t, ticket_id) };

	return db_admin_id_query(db,
				 "SELECT c.id FROM tickets t JOIN connections c ON c.tenant_id = t.tenant_id"
				 " AND c.id = t.handled_by AND c.active WHERE t.tenant_id = $1 AND t.id = $2",
				 2, params, connection_id_r, error_r);
}
