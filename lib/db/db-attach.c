/* Attachments and raw messages as stored: the notification's list and the
 * byte-for-byte reads of maildeskctl (contracts in db-attach.h). */
#include "config.h"
#include "db/db-attach.h"
#include "db/db-private.h"

#include <stdio.h>

/* Contract in db-attach.h. One round trip: the team's limit travels as a
 * first row (id 0) ahead of the attachments. */
int db_attach_notify_list(struct db *db, int64_t tenant_id, int64_t team_id, int64_t message_id, int64_t *max_r,
			  struct db_attach_row **rows_r, size_t *n_r, char **error_r)
{
	struct db_num tn, tm, ms;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tm, team_id), db_num(&ms, message_id) };
	struct db_table *res = NULL;
	size_t n = 0;

	if (db_exec(db,
		    "SELECT 0 AS id, '' AS filename, '' AS content_type, notify_attach_max AS size, 0 AS ord"
		    " FROM teams WHERE tenant_id = $1 AND id = $2"
		    " UNION ALL SELECT id, filename, content_type, size, 1 FROM attachments"
		    " WHERE tenant_id = $1 AND message_id = $3 ORDER BY ord, id",
		    3, params, &res, error_r) < 0)
		return -1;
	*max_r = res->n_rows > 0 && db_cell_int(res, 0, 0) == 0 ? db_cell_int(res, 0, 3) : 0;
	*rows_r = xcalloc(res->n_rows + 1, sizeof(**rows_r));
	for (size_t i = 0; i < res->n_rows; i++) {
		if (db_cell_int(res, i, 4) == 0)
			continue;
		(*rows_r)[n++] = (struct db_attach_row){ db_cell_int(res, i, 0), db_cell_str(res, i, 1),
							 db_cell_str(res, i, 2), db_cell_int(res, i, 3) };
	}
	*n_r = n;
	db_table_free(&res);
	return 0;
}

void db_attach_rows_free(struct db_attach_row **rows, size_t n)
{
	if (*rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*rows)[i].filename);
		free((*rows)[i].content_type);
	}
	free(*rows);
	*rows = NULL;
}

int db_attach_team_max_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t max, char **error_r)
{
	struct db_num tn, tm, mx;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tm, team_id), db_num(&mx, max) };

	return db_exec(db, "UPDATE teams SET notify_attach_max = $3 WHERE tenant_id = $1 AND id = $2", 3, params, NULL,
		       error_r);
}

/* Runs sql (two bigint parameters) with binary results, so that bytea
 * columns arrive as their bytes; *res_r NULL when no row came. Returns 0
 * or -1. */
static int binary_row(struct db *db, const char *sql, int64_t a, int64_t b, PGresult **res_r, char **error_r)
{
	struct db_num na, nb;
	const char *params[2] = { db_num(&na, a), db_num(&nb, b) };
	PGresult *res;

	*res_r = NULL;
	if (db_conn_ensure(db, error_r) < 0)
		return -1;
	res = db_pq_exec_params(db, sql, 2, params, NULL, NULL, 1);
	if (db_result_check(db, res, PGRES_TUPLES_OK, NULL, error_r) < 0) {
		PQclear(res);
		return -1;
	}
	if (PQntuples(res) == 0 || PQgetisnull(res, 0, 0)) {
		PQclear(res);
		return 0;
	}
	*res_r = res;
	return 0;
}

/* A binary cell copied (malloc'd, NUL-terminated past *len_r). */
static char *cell_bytes(const PGresult *res, int col, size_t *len_r)
{
	size_t len = (size_t)PQgetlength(res, 0, col);
	char *out = xmalloc(len + 1);

	memcpy(out, PQgetvalue(res, 0, col), len);
	out[len] = '\0';
	*len_r = len;
	return out;
}

int db_attach_message_raw(struct db *db, int64_t tenant_id, int64_t message_id, char **data_r, size_t *len_r,
			  char **error_r)
{
	PGresult *res;

	if (binary_row(db,
		       "SELECT r.data FROM messages m JOIN raw_messages r"
		       " ON r.tenant_id = m.tenant_id AND r.sha256 = m.raw_sha256"
		       " WHERE m.tenant_id = $1 AND m.id = $2 AND r.purged_at IS NULL",
		       tenant_id, message_id, &res, error_r) < 0)
		return -1;
	if (res == NULL)
		return 0;
	*data_r = cell_bytes(res, 0, len_r);
	PQclear(res);
	return 1;
}

int db_attach_get(struct db *db, int64_t tenant_id, int64_t id, char **data_r, size_t *len_r, char **filename_r,
		  char **error_r)
{
	PGresult *res;
	size_t name_len;

	if (binary_row(db,
		       "SELECT b.data, a.filename FROM attachments a JOIN blobs b"
		       " ON b.tenant_id = a.tenant_id AND b.sha256 = a.sha256"
		       " WHERE a.tenant_id = $1 AND a.id = $2 AND b.purged_at IS NULL",
		       tenant_id, id, &res, error_r) < 0)
		return -1;
	if (res == NULL)
		return 0;
	*data_r = cell_bytes(res, 0, len_r);
	*filename_r = cell_bytes(res, 1, &name_len);
	PQclear(res);
	return 1;
}
