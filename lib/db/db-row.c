/* One-row statements for every file of lib/db (contract in db-private.h). */
#include "config.h"
#include "db/db-private.h"

/* Contract in db-private.h. */
int db_exec_row(struct db *db, const char *sql, size_t n_params, const char *const *params, struct db_table **t_r,
		char **error_r)
{
	if (db_exec(db, sql, n_params, params, t_r, error_r) < 0)
		return -1;
	if ((*t_r)->n_rows > 0)
		return 1;
	db_table_free(t_r);
	return 0;
}
