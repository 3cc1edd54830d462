/* Webhooks out: receivers, their delivery queue, the sender's claims and
 * maildeskctl's views (contracts in db-webhook.h). */
#include "config.h"
#include "db/db-webhook.h"
#include "db/db-admin-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Contract in db-webhook.h. */
int db_webhook_wanted(struct db *db, int64_t tenant_id, const char *event, char **tenant_r, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), event };

	return db_admin_text_query(db,
				   "SELECT te.name FROM tenants te WHERE te.id = $1 AND EXISTS (SELECT 1 FROM webhooks w"
				   " WHERE w.tenant_id = $1 AND w.active AND $2 = ANY (w.events))",
				   2, params, tenant_r, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_enqueue(struct db *db, int64_t tenant_id, const char *event, const char *event_id,
		       int64_t ticket_id, const char *payload, int64_t *n_r, char **error_r)
{
	struct db_num tn, kn;
	const char *params[5] = { db_num(&tn, tenant_id), event, event_id, db_num(&kn, ticket_id), payload };
	struct db_table *t = NULL;

	if (db_exec(db,
		    "WITH q AS (INSERT INTO webhook_deliveries (tenant_id, webhook_id, event, event_id, ticket_id,"
		    " payload) SELECT w.tenant_id, w.id, $2, $3, $4, $5 FROM webhooks w"
		    " WHERE w.tenant_id = $1 AND w.active AND $2 = ANY (w.events) RETURNING 1)"
		    " SELECT count(*) FROM q",
		    5, params, &t, error_r) < 0)
		return -1;
	if (n_r != NULL)
		*n_r = db_cell_int(t, 0, 0);
	db_table_free(&t);
	return 0;
}

/* Contract in db-webhook.h. */
int db_webhook_claim(struct db *db, const char *claimer, unsigned lease_s, unsigned max,
		     struct db_webhook_job **jobs_r, size_t *n_r, char **error_r)
{
	char lease[24], limit[24];
	const char *params[3] = { claimer, lease, limit };
	struct db_table *t = NULL;
	struct db_webhook_job *jobs;

	snprintf(lease, sizeof(lease), "%u", lease_s);
	snprintf(limit, sizeof(limit), "%u", max);
	*jobs_r = NULL;
	*n_r = 0;
	if (db_exec(db,
		    "WITH c AS (SELECT d.tenant_id, d.id FROM webhook_deliveries d"
		    " WHERE d.status = 'pending' AND d.next_attempt_at <= now()"
		    " AND (d.claimed_until IS NULL OR d.claimed_until < now())"
		    " AND NOT EXISTS (SELECT 1 FROM webhook_deliveries p WHERE p.status = 'pending'"
		    "  AND p.tenant_id = d.tenant_id AND p.webhook_id = d.webhook_id AND p.ticket_id = d.ticket_id"
		    "  AND p.id < d.id)"
		    " AND EXISTS (SELECT 1 FROM webhooks a WHERE a.tenant_id = d.tenant_id AND a.id = d.webhook_id"
		    "  AND a.active)"
		    " ORDER BY d.id LIMIT $3::integer FOR UPDATE OF d SKIP LOCKED)"
		    " UPDATE webhook_deliveries d SET claimed_by = $1,"
		    " claimed_until = now() + make_interval(secs => $2::integer), attempts = d.attempts + 1"
		    " FROM c, webhooks w WHERE d.tenant_id = c.tenant_id AND d.id = c.id"
		    " AND w.tenant_id = d.tenant_id AND w.id = d.webhook_id"
		    " RETURNING d.tenant_id, d.id, d.webhook_id, d.ticket_id, d.attempts, w.url, d.event, d.event_id,"
		    " d.payload, w.secret,"
		    " CASE WHEN w.old_secret_until > now() THEN w.old_secret ELSE '' END",
		    3, params, &t, error_r) < 0)
		return -1;
	jobs = xcalloc(t->n_rows + 1, sizeof(*jobs));
	for (size_t r = 0; r < t->n_rows; r++) {
		jobs[r] = (struct db_webhook_job){
			.tenant_id = db_cell_int(t, r, 0), .id = db_cell_int(t, r, 1),
			.webhook_id = db_cell_int(t, r, 2), .ticket_id = db_cell_int(t, r, 3),
			.attempts = (int)db_cell_int(t, r, 4), .url = db_cell_str(t, r, 5),
			.event = db_cell_str(t, r, 6), .event_id = db_cell_str(t, r, 7),
			.payload = db_cell_str(t, r, 8), .secret = db_cell_str(t, r, 9),
			.old_secret = db_cell_str(t, r, 10),
		};
	}
	/* RETURNING comes in no set order: oldest first. */
	for (size_t i = 1; i < t->n_rows; i++)
		for (size_t k = i; k > 0 && jobs[k - 1].id > jobs[k].id; k--) {
			struct db_webhook_job tmp = jobs[k];

			jobs[k] = jobs[k - 1];
			jobs[k - 1] = tmp;
		}
	*jobs_r = jobs;
	*n_r = t->n_rows;
	db_table_free(&t);
	return 0;
}

void db_webhook_jobs_free(struct db_webhook_job **jobs, size_t n)
{
	if (*jobs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		struct db_webhook_job *j = &(*jobs)[i];

		free(j->url);
		free(j->event);
		free(j->event_id);
		free(j->payload);
		free(j->secret);
		free(j->old_secret);
	}
	free(*jobs);
	*jobs = NULL;
}

/* Contract in db-webhook.h. */
int db_webhook_result(struct db *db, const struct db_webhook_job *j, const char *claimer,
		      const struct db_webhook_outcome *o, char status_r[16], char **error_r)
{
	struct db_num tn, in, cn;
	char retry[24], life[24];
	const char *params[8] = { db_num(&tn, j->tenant_id), db_num(&in, j->id), claimer,
				  o->delivered ? "delivered" : o->permanent ? "failed" : "", retry, life,
				  db_num(&cn, o->code), o->error != NULL ? o->error : "" };
	char *status = NULL;
	int found;

	snprintf(retry, sizeof(retry), "%u", o->retry_in_s);
	snprintf(life, sizeof(life), "%u", o->lifetime_s);
	found = db_admin_text_query(
		db,
		"UPDATE webhook_deliveries SET status = CASE WHEN $4 <> '' THEN $4"
		" WHEN now() + make_interval(secs => $5::integer) > retry_from + make_interval(secs => $6::integer)"
		" THEN 'failed' ELSE 'pending' END,"
		" next_attempt_at = now() + make_interval(secs => $5::integer), claimed_by = '', claimed_until = NULL,"
		" last_code = $7::integer, last_error = $8,"
		" done_at = CASE WHEN $4 <> '' OR now() + make_interval(secs => $5::integer)"
		" > retry_from + make_interval(secs => $6::integer) THEN now() END"
		" WHERE tenant_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'pending' RETURNING status",
		8, params, &status, error_r);
	if (found == 1)
		snprintf(status_r, 16, "%s", status);
	free(status);
	return found;
}

/* Contract in db-webhook.h. */
int db_webhook_release(struct db *db, const struct db_webhook_job *j, const char *claimer, char **error_r)
{
	struct db_num tn, in;
	const char *params[3] = { db_num(&tn, j->tenant_id), db_num(&in, j->id), claimer };

	return db_exec(db,
		       "UPDATE webhook_deliveries SET claimed_by = '', claimed_until = NULL,"
		       " attempts = greatest(attempts - 1, 0)"
		       " WHERE tenant_id = $1 AND id = $2 AND claimed_by = $3 AND status = 'pending'",
		       3, params, NULL, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_add(struct db *db, int64_t tenant_id, const char *url, const char *events, const char *secret,
		   int64_t *id_r, char **error_r)
{
	struct db_num tn;
	const char *params[4] = { db_num(&tn, tenant_id), url, events, secret };

	return db_admin_id_query(db,
				 "INSERT INTO webhooks (tenant_id, url, events, secret) VALUES ($1, $2, $3::text[], $4)"
				 " RETURNING id",
				 4, params, id_r, error_r) < 0
		       ? -1
		       : 0;
}

/* The listing's columns, for one webhook or all of a tenant. */
#define WEBHOOK_COLUMNS                                                                                     \
	"SELECT w.id, te.name AS tenant, w.url, array_to_string(w.events, ',') AS events,"                  \
	" " DB_TS("w.created_at") " AS created,"                                                            \
	" CASE WHEN w.old_secret_until > now() THEN " DB_TS("w.old_secret_until") " END AS rotating_until," \
	" (SELECT count(*) FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id"  \
	"  AND d.status = 'pending') AS pending,"                                                            \
	" (SELECT count(*) FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id"  \
	"  AND d.status = 'failed') AS failed,"                                                              \
	" (SELECT count(*) FROM webhook_deliveries d WHERE d.tenant_id = w.tenant_id AND d.webhook_id = w.id"  \
	"  AND d.status = 'delivered') AS delivered, w.active, w.connection_id AS connection"                 \
	" FROM webhooks w JOIN tenants te ON te.id = w.tenant_id"

/* Contract in db-webhook.h. */
int db_webhook_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_id_or_null(&tn, tenant_id) };

	return db_exec(db, WEBHOOK_COLUMNS " WHERE $1::bigint IS NULL OR w.tenant_id = $1 ORDER BY w.id", 1, params,
		       t_r, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_show(struct db *db, int64_t id, struct db_table **t_r, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, id) };

	return db_exec_row(db, WEBHOOK_COLUMNS " WHERE w.id = $1", 1, params, t_r, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_remove(struct db *db, int64_t id, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, id) };

	return db_admin_id_query(db, "DELETE FROM webhooks WHERE id = $1 RETURNING id", 1, params, NULL, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_rotate(struct db *db, int64_t id, const char *secret, unsigned overlap_s, char **error_r)
{
	struct db_num in;
	char overlap[24];
	const char *params[3] = { db_num(&in, id), secret, overlap };

	snprintf(overlap, sizeof(overlap), "%u", overlap_s);
	return db_admin_id_query(db,
				 "UPDATE webhooks SET old_secret = secret, secret = $2,"
				 " old_secret_until = now() + make_interval(secs => $3::integer)"
				 " WHERE id = $1 RETURNING id",
				 3, params, NULL, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_deliveries(struct db *db, int64_t webhook_id, const char *status, unsigned limit,
			  struct db_table **t_r, char **error_r)
{
	struct db_num wn;
	char lim[24];
	const char *params[3] = { db_num(&wn, webhook_id), status, lim };

	snprintf(lim, sizeof(lim), "%u", limit);
	return db_exec(db,
		       "SELECT d.id, d.event, d.event_id,"
		       " (SELECT t.number FROM tickets t WHERE t.tenant_id = d.tenant_id AND t.id = d.ticket_id)"
		       " AS ticket, d.status, d.attempts, d.last_code, d.last_error,"
		       " " DB_TS("d.created_at") " AS created,"
		       " CASE WHEN d.status = 'pending' THEN " DB_TS("d.next_attempt_at") " END AS next_attempt,"
		       " " DB_TS("d.done_at") " AS done"
		       " FROM webhook_deliveries d WHERE d.webhook_id = $1 AND ($2::text IS NULL OR d.status = $2)"
		       " ORDER BY d.id DESC LIMIT $3::integer",
		       3, params, t_r, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_retry(struct db *db, int64_t delivery_id, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, delivery_id) };

	return db_admin_id_query(db,
				 "UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(),"
				 " retry_from = now(), done_at = NULL WHERE id = $1 AND status <> 'delivered'"
				 " RETURNING id",
				 1, params, NULL, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_replay(struct db *db, int64_t delivery_id, int64_t *new_id_r, char **error_r)
{
	struct db_num in;
	const char *params[1] = { db_num(&in, delivery_id) };

	return db_admin_id_query(db,
				 "INSERT INTO webhook_deliveries (tenant_id, webhook_id, ticket_id, event, event_id,"
				 " payload) SELECT tenant_id, webhook_id, ticket_id, event, event_id, payload"
				 " FROM webhook_deliveries WHERE id = $1 RETURNING id",
				 1, params, new_id_r, error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_connection_put(struct db *db, int64_t tenant_id, int64_t connection_id, const char *url,
			      const char *events, const char *secret, int64_t *id_r, bool *created_r,
			      char **error_r)
{
	struct db_num tn, cn;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&cn, connection_id), url, events, secret };
	int found;

	*created_r = false;
	found = db_admin_id_query(db,
				  "UPDATE webhooks SET url = $3 WHERE tenant_id = $1 AND connection_id = $2 RETURNING id",
				  3, params, id_r, error_r);
	if (found != 0)
		return found < 0 ? -1 : 0;
	*created_r = true;
	found = db_admin_id_query(db,
				  "INSERT INTO webhooks (tenant_id, url, events, secret, connection_id, active)"
				  " SELECT c.tenant_id, $3, $4::text[], $5, c.id, c.active FROM connections c"
				  " WHERE c.tenant_id = $1 AND c.id = $2 RETURNING id",
				  5, params, id_r, error_r);
	if (found == 0)
		*error_r = xasprintf("connection %" PRId64 " not found", connection_id);
	return found == 1 ? 0 : -1;
}

/* Contract in db-webhook.h. */
int db_webhook_connection_drop(struct db *db, int64_t tenant_id, int64_t connection_id, char **error_r)
{
	struct db_num tn, cn;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&cn, connection_id) };

	return db_exec(db, "DELETE FROM webhooks WHERE tenant_id = $1 AND connection_id = $2", 2, params, NULL,
		       error_r);
}

/* Contract in db-webhook.h. */
int db_webhook_connection_active(struct db *db, int64_t tenant_id, int64_t connection_id, bool active,
				 char **error_r)
{
	struct db_num tn, cn;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&cn, connection_id), active ? "true" : "false" };

	return db_exec(db, "UPDATE webhooks SET active = $3::boolean WHERE tenant_id = $1 AND connection_id = $2", 3,
		       params, NULL, error_r);
}
