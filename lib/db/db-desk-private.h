#ifndef MD_DB_DESK_PRIVATE_H
#define MD_DB_DESK_PRIVATE_H
/* Shared by lib/db/db-desk-*.c only: reading the text cells of a
 * db_exec() result into typed values. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db.h"

/* A cell as an owned string ("" for SQL NULL or a missing cell). */
static inline char *db_desk_cell_str(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return xstrdup(v != NULL ? v : "");
}

/* A cell as a number (0 for SQL NULL or a missing cell). */
static inline int64_t db_desk_cell_int(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* A boolean cell: true only for PostgreSQL's "t". */
static inline bool db_desk_cell_bool(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return v != NULL && strcmp(v, "t") == 0;
}

#endif
