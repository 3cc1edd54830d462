/* Reasons and request tickets (contracts in db-request.h). */
#include "config.h"
#include "db/db-request.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-request.h. */
void db_reason_free(struct db_reason *r)
{
	free(r->name);
	memset(r, 0, sizeof(*r));
}

/* Contract in db-request.h. */
int db_reason_add(struct db *db, int64_t tenant_id, const char *name, int64_t team_id, int priority,
		  int64_t *id_r, char **error_r)
{
	struct db_num tn, tm, pr;
	const char *params[4] = { db_num(&tn, tenant_id), name, db_id_or_null(&tm, team_id),
				  priority >= 0 ? db_num(&pr, priority) : NULL };

	return db_admin_id_query(db,
				 "INSERT INTO reasons (tenant_id, name, team_id, priority) VALUES ($1, $2, $3, $4)"
				 " RETURNING id",
				 4, params, id_r, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-request.h. */
int db_reason_find(struct db *db, int64_t tenant_id, const char *name, struct db_reason *r, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), name };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"SELECT id, name, coalesce(team_id, 0), coalesce(priority, -1) FROM reasons"
				" WHERE tenant_id = $1 AND lower(name) = lower($2) AND retired_at IS NULL",
				2, params, &t, error_r);

	if (found <= 0)
		return found;
	*r = (struct db_reason){ .id = db_cell_int(t, 0, 0), .name = db_cell_str(t, 0, 1),
				 .team_id = db_cell_int(t, 0, 2), .priority = (int)db_cell_int(t, 0, 3) };
	db_table_free(&t);
	return 1;
}

/* Contract in db-request.h. */
int db_reason_retire(struct db *db, int64_t tenant_id, const char *name, int64_t *open_r, char **error_r)
{
	struct db_num tn, id;
	const char *params[2] = { db_num(&tn, tenant_id), name };
	int64_t reason_id;
	int found = db_admin_id_query(db,
				      "SELECT id FROM reasons WHERE tenant_id = $1 AND lower(name) = lower($2)"
				      " AND retired_at IS NULL FOR UPDATE",
				      2, params, &reason_id, error_r);

	*open_r = 0;
	if (found <= 0)
		return found;
	params[1] = db_num(&id, reason_id);
	if (db_admin_id_query(db,
			      "SELECT count(*) FROM tickets WHERE tenant_id = $1 AND reason_id = $2"
			      " AND status NOT IN ('closed', 'merged')",
			      2, params, open_r, error_r) < 0)
		return -1;
	if (*open_r > 0)
		return 1;
	return db_exec(db, "UPDATE reasons SET retired_at = now() WHERE tenant_id = $1 AND id = $2", 2, params,
		       NULL, error_r) < 0
		       ? -1
		       : 1;
}

/* Contract in db-request.h. */
int db_report_reasons(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };

	return db_exec(db,
		       "SELECT r.name, tm.name AS team,"
		       " CASE r.priority WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high'"
		       " WHEN 3 THEN 'urgent' END AS priority,"
		       " (SELECT count(*) FROM tickets t WHERE t.tenant_id = r.tenant_id AND t.reason_id = r.id"
		       " AND t.status NOT IN ('closed', 'merged')) AS open_requests,"
		       " (SELECT count(*) FROM tickets t WHERE t.tenant_id = r.tenant_id AND t.reason_id = r.id"
		       " AND t.status <> 'merged') AS requests, " DB_TS("r.created_at") " AS created"
		       " FROM reasons r LEFT JOIN teams tm ON tm.tenant_id = r.tenant_id AND tm.id = r.team_id"
		       " WHERE r.tenant_id = $1 AND r.retired_at IS NULL ORDER BY lower(r.name), r.id",
		       1, params, t_r, error_r);
}

/* The reason is read FOR KEY SHARE (a concurrent retirement either waits
 * for us or leaves no row: then nothing is inserted); the conflict target
 * repeats tickets_request_open's predicate. xmax is 0 only on a row this
 * statement inserted; the status returned is the joined ticket's as it
 * was (the update leaves it). */
#define REQUEST_TICKET_SQL                                                                                   \
	"INSERT INTO tickets AS t (tenant_id, team_id, subject, requester_id, priority, order_ref, reason_id)" \
	" SELECT $1, $2, $3, $4, $5, $6, r.id FROM reasons r"                                                  \
	" WHERE r.tenant_id = $1 AND r.id = $7 AND r.retired_at IS NULL FOR KEY SHARE"                         \
	" ON CONFLICT (tenant_id, order_ref, reason_id) WHERE reason_id IS NOT NULL"                           \
	" AND status NOT IN ('closed', 'merged')"                                                              \
	" DO UPDATE SET last_activity_at = now(), updated_at = now()"                                          \
	" RETURNING t.id, t.number, t.xmax = 0, t.status"

/* Contract in db-request.h. */
int db_request_ticket(struct db *db, const struct db_request_ticket_in *in, struct db_request_ticket_out *out,
		      char **error_r)
{
	struct db_num tn, tm, rq, pr, rs;
	const char *params[7] = { db_num(&tn, in->tenant_id), db_num(&tm, in->team_id), in->subject,
				  db_num(&rq, in->requester_id), db_num(&pr, in->priority), in->order,
				  db_num(&rs, in->reason_id) };
	struct db_table *t = NULL;
	int found = db_exec_row(db, REQUEST_TICKET_SQL, 7, params, &t, error_r);

	memset(out, 0, sizeof(*out));
	if (found < 0)
		return -1;
	if (found == 0) {
		*error_r = xstrdup("the reason was removed meanwhile");
		return -1;
	}
	out->ticket_id = db_cell_int(t, 0, 0);
	out->number = db_cell_int(t, 0, 1);
	out->created = db_cell_bool(t, 0, 2);
	snprintf(out->status, sizeof(out->status), "%s", db_table_get(t, 0, 3));
	db_table_free(&t);
	return 0;
}

/* Contract in db-request.h. */
int db_request_lock(struct db *db, int64_t number, int64_t *tenant_id_r, int64_t *ticket_id_r, char **ref_r,
		    char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, number) };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"SELECT tenant_id, id, reason_id IS NOT NULL, request_ref FROM tickets"
				" WHERE number = $1 FOR UPDATE",
				1, params, &t, error_r);

	*ref_r = NULL;
	if (found <= 0)
		return found;
	if (!db_cell_bool(t, 0, 2)) {
		db_table_free(&t);
		return 2;
	}
	*tenant_id_r = db_cell_int(t, 0, 0);
	*ticket_id_r = db_cell_int(t, 0, 1);
	if (db_table_get(t, 0, 3) != NULL)
		*ref_r = db_cell_str(t, 0, 3);
	db_table_free(&t);
	return 1;
}

/* Contract in db-request.h. */
int db_request_ref_set(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *ref, char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), ref != NULL && ref[0] != '\0' ? ref : NULL };

	return db_admin_id_query(db,
				 "UPDATE tickets SET request_ref = $3, updated_at = now()"
				 " WHERE tenant_id = $1 AND id = $2 AND request_ref IS DISTINCT FROM $3 RETURNING id",
				 3, params, NULL, error_r);
}

/* Contract in db-request.h. */
int db_report_request(struct db *db, int64_t number, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, number) };

	return db_exec(db,
		       "SELECT t.order_ref AS \"order\", r.name AS reason, t.request_ref AS reference"
		       " FROM tickets t JOIN reasons r ON r.tenant_id = t.tenant_id AND r.id = t.reason_id"
		       " WHERE t.number = $1",
		       1, params, t_r, error_r);
}

/* Contract in db-request.h. */
int db_request_default_team(struct db *db, int64_t tenant_id, int64_t *team_id_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };

	return db_admin_id_query(db, "SELECT id FROM teams WHERE tenant_id = $1 ORDER BY id LIMIT 1", 1, params,
				 team_id_r, error_r);
}

/* Contract in db-request.h. */
int db_request_conflict(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *order, bool *is_request_r,
			bool *closed_r, int64_t *other_r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), order };
	struct db_table *t = NULL;
	int found = db_exec_row(db,
				"SELECT t.reason_id IS NOT NULL, t.status IN ('closed', 'merged'),"
				" coalesce((SELECT x.number FROM tickets x WHERE x.tenant_id = t.tenant_id"
				" AND x.reason_id = t.reason_id AND x.order_ref = coalesce($3, t.order_ref)"
				" AND x.id <> t.id AND x.status NOT IN ('closed', 'merged') LIMIT 1), 0)"
				" FROM tickets t WHERE t.tenant_id = $1 AND t.id = $2",
				3, params, &t, error_r);

	if (found <= 0) {
		if (found == 0)
			*error_r = xstrdup("no such ticket");
		return -1;
	}
	*is_request_r = db_cell_bool(t, 0, 0);
	*closed_r = db_cell_bool(t, 0, 1);
	*other_r = db_cell_int(t, 0, 2);
	db_table_free(&t);
	return 0;
}
