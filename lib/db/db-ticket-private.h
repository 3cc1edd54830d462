#ifndef MD_DB_TICKET_PRIVATE_H
#define MD_DB_TICKET_PRIVATE_H
/* Shared by lib/db/db-ticket*.c only. */
#include <stddef.h>

#include "db/db.h"

/* Runs one statement; returns how many rows it returned (or -1), and the
 * first cell of the first row in *first_r when first_r is not NULL
 * (malloc'd; NULL for no row or SQL NULL). */
int db_ticket_run(struct db *db, const char *sql, size_t n, const char *const *params, char **first_r,
		  char **error_r);

#endif
