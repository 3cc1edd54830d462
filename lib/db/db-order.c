/* A ticket's order and the tenant's and team's order settings
 * (contracts in db-order.h). */
#include "config.h"
#include "db/db-order.h"
#include "db-private.h"
#include "db-ticket-private.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Event kinds and messages name the field the same everywhere. */
const char *db_order_field_name(enum db_order_field f)
{
	static const char *const names[] = { "order", "shipment", "sku" };

	return (unsigned)f < sizeof(names) / sizeof(names[0]) ? names[f] : "order";
}

/* One statement per column: the column names are fixed here, never
 * built. The subquery reads the old value under the row lock. */
#define ORDER_SET(col)                                                                                  \
	"UPDATE tickets t SET " col " = $3, updated_at = now()"                                         \
	" FROM (SELECT id, " col " AS old FROM tickets WHERE tenant_id = $1 AND id = $2 FOR UPDATE) o"   \
	" WHERE t.tenant_id = $1 AND t.id = o.id AND t." col " IS DISTINCT FROM $3 RETURNING coalesce(o.old, '')"

/* Contract in db-order.h. */
int db_ticket_order_set(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_order_field field,
			const char *value, char **old_r, char **error_r)
{
	static const char *const sql[] = { ORDER_SET("order_ref"), ORDER_SET("shipment_ref"), ORDER_SET("sku") };
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id),
				  value != NULL && value[0] != '\0' ? value : NULL };
	int rows = db_ticket_run(db, sql[(unsigned)field < 3 ? field : 0], 3, params, old_r, error_r);

	if (rows > 0 && *old_r != NULL && (*old_r)[0] == '\0') {
		free(*old_r);
		*old_r = NULL;
	}
	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-order.h. */
int db_ticket_order_get(struct db *db, int64_t tenant_id, int64_t ticket_id, char **order_r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };
	int rows = db_ticket_run(db, "SELECT order_ref FROM tickets WHERE tenant_id = $1 AND id = $2", 2, params,
				 order_r, error_r);

	return rows < 0 ? -1 : *order_r != NULL;
}

/* Contract in db-order.h. */
int db_order_patterns_get(struct db *db, int64_t tenant_id, char ***patterns_r, size_t *n_r, int64_t *version_r,
			  char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	struct db_table *t;

	*patterns_r = NULL;
	*n_r = 0;
	*version_r = 0;
	if (db_exec(db,
		    "SELECT p, te.order_patterns_version FROM tenants te, unnest(te.order_patterns) WITH ORDINALITY"
		    " AS u(p, i) WHERE te.id = $1 ORDER BY i",
		    1, params, &t, error_r) < 0)
		return -1;
	if (t->n_rows > 0) {
		*patterns_r = xcalloc(t->n_rows, sizeof(char *));
		*version_r = strtoll(db_table_get(t, 0, 1), NULL, 10);
	}
	for (size_t i = 0; i < t->n_rows; i++)
		(*patterns_r)[i] = xstrdup(db_table_get(t, i, 0));
	*n_r = t->n_rows;
	db_table_free(&t);
	return 0;
}

/* Pairs with db_order_patterns_get(). */
void db_order_patterns_free(char ***patterns, size_t n)
{
	if (*patterns == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		free((*patterns)[i]);
	free(*patterns);
	*patterns = NULL;
}

/* A statement that returns a row when it changed one: 1, 0, -1. */
static int run_found(struct db *db, const char *sql, size_t n, const char *const *params, char **error_r)
{
	int rows = db_ticket_run(db, sql, n, params, NULL, error_r);

	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-order.h. */
int db_order_patterns_set(struct db *db, const char *tenant_name, const char *const *patterns, size_t n,
			  char **error_r)
{
	json_t *arr = json_array();
	char *list;
	int ret;

	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_string(patterns[i]));
	list = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	if (list == NULL)
		abort(); /* only without memory (the patterns are valid UTF-8) */
	const char *params[2] = { tenant_name, list };
	ret = run_found(db,
			"UPDATE tenants SET order_patterns = ARRAY(SELECT jsonb_array_elements_text($2::jsonb)),"
			" order_patterns_version = nextval('order_patterns_version_seq') WHERE name = $1 RETURNING id",
			2, params, error_r);
	free(list);
	return ret;
}

/* Contract in db-order.h. */
int db_order_subject_get(struct db *db, int64_t tenant_id, char **subject_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	int rows = db_ticket_run(db, "SELECT order_subject FROM tenants WHERE id = $1", 1, params, subject_r,
				 error_r);

	return rows < 0 ? -1 : *subject_r != NULL;
}

/* Contract in db-order.h. */
int db_order_subject_set(struct db *db, const char *tenant_name, const char *subject, char **error_r)
{
	const char *params[2] = { tenant_name, subject };

	return run_found(db, "UPDATE tenants SET order_subject = $2 WHERE name = $1 RETURNING id", 2, params,
			 error_r);
}

/* Contract in db-order.h. */
int db_order_reminder_after_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t seconds,
				char **error_r)
{
	struct db_num tn, tm, sec;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tm, team_id), seconds > 0 ? db_num(&sec, seconds) : NULL };

	/* The daemons' timers look again at commit: the next due time moved. */
	return db_exec(db,
		       "WITH u AS (UPDATE teams SET order_reminder_after = make_interval(secs => $3::double precision)"
		       " WHERE tenant_id = $1 AND id = $2 RETURNING id) SELECT pg_notify('maildesk_timers', '') FROM u",
		       3, params, NULL, error_r);
}

/* The tickets whose reminder is due, as the partial index
 * tickets_order_reminder describes them; a row another daemon holds is
 * left to it, and once marked it never qualifies again. */
#define REMINDER_CLAIM                                                                                  \
	"UPDATE tickets SET order_reminder_at = now() WHERE (tenant_id, id) IN ("                       \
	"SELECT t.tenant_id, t.id FROM tickets t JOIN teams m ON m.tenant_id = t.tenant_id AND m.id = t.team_id" \
	" WHERE t.order_ref IS NULL AND t.order_reminder_at IS NULL AND NOT t.order_reminder_off"       \
	" AND t.status IN ('open', 'pending') AND m.order_reminder_after IS NOT NULL"                   \
	" AND t.created_at <= now() - m.order_reminder_after"                                           \
	" ORDER BY t.created_at LIMIT $1 FOR UPDATE OF t SKIP LOCKED)"                                  \
	" AND order_reminder_at IS NULL RETURNING tenant_id, id"

/* Contract in db-order.h. */
int db_order_reminder_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			    char **error_r)
{
	struct db_num lim;
	const char *params[1] = { db_num(&lim, limit) };
	struct db_table *res = NULL;

	*refs_r = NULL;
	*n_r = 0;
	if (db_exec(db, REMINDER_CLAIM, 1, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows > 0)
		*refs_r = xcalloc(res->n_rows, sizeof(**refs_r));
	for (size_t i = 0; i < res->n_rows; i++) {
		(*refs_r)[i].tenant_id = strtoll(db_table_get(res, i, 0), NULL, 10);
		(*refs_r)[i].ticket_id = strtoll(db_table_get(res, i, 1), NULL, 10);
	}
	*n_r = res->n_rows;
	db_table_free(&res);
	return 0;
}

/* Contract in db-order.h. */
int db_ticket_order_reminder_off(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };

	return run_found(db,
			 "UPDATE tickets SET order_reminder_off = true WHERE tenant_id = $1 AND id = $2"
			 " AND NOT order_reminder_off RETURNING id",
			 2, params, error_r);
}
