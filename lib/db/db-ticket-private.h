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

/* Claims ticket rows with sql, which takes the limit as $1 and returns
 * (tenant_id, id) per row: the timers' claims (snooze, close-after, SLA,
 * order reminder). *refs_r is malloc'd (NULL when none), *n_r its length.
 * Returns 0, or -1 with *error_r set. */
struct db_ticket_ref;
int db_ticket_refs_claim(struct db *db, const char *sql, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			 char **error_r);

#endif
