#ifndef MD_DB_ADMIN_PRIVATE_H
#define MD_DB_ADMIN_PRIVATE_H
/* What lib/db's administration and report files (db-admin-*.c,
 * db-report-*.c) share. Internal to lib/db. */
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "db/db-private.h"

/* A timestamp column as ISO 8601 UTC text (what maildeskctl prints). */
#define DB_TS(col) "to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* An id parameter, or SQL NULL for 0 ("none", "any"). */
static inline const char *db_id_or_null(struct db_num *n, int64_t v)
{
	return v > 0 ? db_num(n, v) : NULL;
}

/* Runs a statement that returns at most one row whose first column is a
 * bigint (any type when id_r is NULL: then only whether a row came).
 * Returns 1 with *id_r set, 0 when no row, -1 with *error_r. */
int db_admin_id_query(struct db *db, const char *sql, size_t n_params, const char *const *params, int64_t *id_r,
		      char **error_r);/* Runs a statement for the first cell of one row: 1 with *text_r
 * (malloc'd; text_r may be NULL), 0 when no row, -1 with *error_r. */
int db_admin_text_query(struct db *db, const char *sql, size_t n_params, const char *const *params, char **text_r,
			char **error_r);

#endif
