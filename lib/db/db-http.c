/* API keys and Idempotency-Key records (contracts in db-http.h). */
#include "config.h"
#include "db/db-http.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Contract in db-http.h. */
int db_apikey_add(struct db *db, int64_t tenant_id, const char *key_id, const char *key_sha256, const char *scope,
		  const char *name, int64_t *id_r, char **error_r)
{
	struct db_num tn;
	const char *params[5] = { db_num(&tn, tenant_id), key_id, key_sha256, scope, name != NULL ? name : "" };

	return db_admin_id_query(db,
				 "INSERT INTO api_keys (tenant_id, key_id, key_sha256, scope, name)"
				 " VALUES ($1, $2, $3, $4, $5) RETURNING id",
				 5, params, id_r, error_r) < 0
		       ? -1
		       : 0;
}

/* Contract in db-http.h. */
int db_apikey_list(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_id_or_null(&tn, tenant_id) };

	return db_exec(db,
		       "SELECT k.key_id, t.name AS tenant, k.scope, k.name, " DB_TS("k.created_at") " AS created,"
		       " coalesce(" DB_TS("k.last_used_at") ", '') AS last_used, k.last_address,"
		       " coalesce(" DB_TS("k.revoked_at") ", '') AS revoked"
		       " FROM api_keys k JOIN tenants t ON t.id = k.tenant_id"
		       " WHERE $1::bigint IS NULL OR k.tenant_id = $1 ORDER BY k.id",
		       1, params, t_r, error_r);
}

/* Contract in db-http.h. */
int db_apikey_revoke(struct db *db, int64_t tenant_id, const char *key_id, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_id_or_null(&tn, tenant_id), key_id };

	return db_admin_id_query(db,
				 "UPDATE api_keys SET revoked_at = now() WHERE key_id = $2 AND revoked_at IS NULL"
				 " AND ($1::bigint IS NULL OR tenant_id = $1) RETURNING id",
				 2, params, NULL, error_r);
}

/* Contract in db-http.h. */
int db_apikey_find(struct db *db, const char *key_id, struct db_apikey *k_r, char **error_r)
{
	const char *params[1] = { key_id };
	struct db_table *t;
	int found = db_exec_row(db,
				"SELECT id, tenant_id, key_sha256, scope, revoked_at IS NOT NULL FROM api_keys"
				" WHERE key_id = $1",
				1, params, &t, error_r);

	if (found <= 0)
		return found;
	memset(k_r, 0, sizeof(*k_r));
	k_r->id = db_cell_int(t, 0, 0);
	k_r->tenant_id = db_cell_int(t, 0, 1);
	snprintf(k_r->key_sha256, sizeof(k_r->key_sha256), "%s", db_table_get(t, 0, 2));
	snprintf(k_r->scope, sizeof(k_r->scope), "%s", db_table_get(t, 0, 3));
	k_r->revoked = db_cell_bool(t, 0, 4);
	db_table_free(&t);
	return 1;
}

/* Contract in db-http.h. */
int db_apikey_touch(struct db *db, int64_t id, const char *address, char **error_r)
{
	struct db_num in;
	const char *params[2] = { db_num(&in, id), address };

	return db_exec(db,
		       "UPDATE api_keys SET last_used_at = now(), last_address = $2 WHERE id = $1"
		       " AND (last_used_at IS NULL OR last_used_at < now() - interval '5 seconds'"
		       " OR last_address <> $2)",
		       2, params, NULL, error_r);
}

/* Contract in db-http.h. */
int db_http_idem_insert(struct db *db, const struct db_http_idem *r, char **error_r)
{
	struct db_num kn, sn, tn;
	const char *params[7] = { r->api_key_id > 0 ? db_num(&kn, r->api_key_id) : NULL,
				  r->idem_key,
				  r->body_sha256,
				  db_num(&sn, r->status),
				  db_num(&tn, r->ticket_number),
				  r->joined ? "t" : "f",
				  r->api_key_id > 0 ? NULL : r->public_path };

	return db_exec(db,
		       "INSERT INTO http_idempotency (api_key_id, idem_key, body_sha256, status, ticket_number, joined,"
		       " public_path) VALUES ($1, $2, $3, $4::integer, $5, $6::boolean, $7)",
		       7, params, NULL, error_r);
}

/* Contract in db-http.h. */
int db_http_idem_find(struct db *db, int64_t api_key_id, const char *public_path, const char *idem_key,
		      struct db_http_idem *r_r, char body_sha256_r[65], char **error_r)
{
	struct db_num kn;
	const char *params[2] = { api_key_id > 0 ? db_num(&kn, api_key_id) : public_path, idem_key };
	struct db_table *t;
	int found = db_exec_row(db,
				api_key_id > 0 ? "SELECT body_sha256, status, ticket_number, joined FROM http_idempotency"
						 " WHERE api_key_id = $1 AND idem_key = $2"
					       : "SELECT body_sha256, status, ticket_number, joined FROM http_idempotency"
						 " WHERE public_path = $1 AND idem_key = $2",
				2, params, &t, error_r);

	if (found <= 0)
		return found;
	memset(r_r, 0, sizeof(*r_r));
	r_r->api_key_id = api_key_id;
	snprintf(body_sha256_r, 65, "%s", db_table_get(t, 0, 0));
	r_r->status = (unsigned)db_cell_int(t, 0, 1);
	r_r->ticket_number = db_cell_int(t, 0, 2);
	r_r->joined = db_cell_bool(t, 0, 3);
	db_table_free(&t);
	return 1;
}

/* One batch of the purge, in its own statement: SKIP LOCKED leaves a row
 * a request is writing. */
static int idem_purge_once(struct db *db, unsigned ttl_s, unsigned limit, unsigned *n_r, char **error_r)
{
	struct db_num tn, ln;
	const char *params[2] = { db_num(&tn, ttl_s), db_num(&ln, limit) };
	struct db_table *t;

	if (db_exec(db,
		    "WITH c AS (SELECT ctid FROM http_idempotency"
		    " WHERE created_at < now() - $1::bigint * interval '1 second'"
		    " ORDER BY created_at LIMIT $2 FOR UPDATE SKIP LOCKED),"
		    " d AS (DELETE FROM http_idempotency h USING c WHERE h.ctid = c.ctid RETURNING 1)"
		    " SELECT count(*) FROM d",
		    2, params, &t, error_r) < 0)
		return -1;
	*n_r = (unsigned)strtoul(db_table_get(t, 0, 0), NULL, 10);
	db_table_free(&t);
	return 0;
}

/* Contract in db-http.h: each batch commits on its own. */
int db_http_idem_purge_batches(struct db *db, unsigned ttl_s, unsigned max_batches, unsigned *n_r, bool *more_r,
			       char **error_r)
{
	*n_r = 0;
	*more_r = false;
	for (unsigned i = 0; i < max_batches; i++) {
		unsigned n;

		if (idem_purge_once(db, ttl_s, DB_HTTP_IDEM_PURGE_BATCH, &n, error_r) < 0)
			return -1;
		*n_r += n;
		if (n < DB_HTTP_IDEM_PURGE_BATCH)
			return 0;
	}
	*more_r = true;
	return 0;
}
