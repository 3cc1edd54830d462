#ifndef MD_DB_FIND_H
#define MD_DB_FIND_H
/* Finding things (issue 12, sql/017_search.sql): a requester's tickets as
 * the requester sees them, full-text and exact search, a contact's
 * tickets and orders; and the settings they and the lifecycle read (a
 * tenant's text search configuration, a team's close-after time).
 * Read-only reports return tables for maildeskctl's output (column names
 * and order are the output's; timestamps ISO 8601 UTC text; free with
 * db_table_free()). Every function returns -1 with *error_r (malloc'd) on
 * a database error. */
#include <stdint.h>

#include "db/db.h"

/* ---- A requester's own view ---- */

/* How a requester reads a status: open and snoozed are "open" (Open),
 * pending "awaiting" (Awaiting your reply), solved and closed "solved"
 * (Solved); merged tickets are not listed. */
struct db_requester_filter {
	int64_t tenant_id;
	const char *address; /* the requester, compared in lower case */
	const char *state;   /* "open", "awaiting", "solved"; NULL: all */
	unsigned limit, offset; /* a page (the HTTP API's); limit 0: every row */
};
/* Columns: number, order, status (the requester's words), state (open /
 * awaiting / solved), subject, created, last_activity; latest activity
 * first. Returns 0 with *t_r. */
int db_find_requester_tickets(struct db *db, const struct db_requester_filter *f, struct db_table **t_r,
			      char **error_r);

/* ---- Search ---- */

struct db_search {
	int64_t tenant_id;
	const char *text; /* the user's words: websearch_to_tsquery, and exact
			   * order reference and requester address */
	int64_t number;   /* text as a ticket number, 0: not a number */
	unsigned limit, offset;
};
/* One row per ticket (merged ones never): exact matches first (ticket
 * number, then order reference, then requester address), then by the
 * best ts_rank of its messages' subject and text in the tenant's text
 * search configuration, then latest activity. Columns: number, status,
 * order, requester, subject, last_activity, match ("number", "order",
 * "requester", "text"), rank (text matches, 4 decimals). Returns 0 with
 * *t_r. */
int db_find_search(struct db *db, const struct db_search *q, struct db_table **t_r, char **error_r);

/* ---- A contact ---- */

struct db_contact_report {
	struct db_table *contact; /* email, name, created, last_activity (NULL: no ticket) */
	/* number, role (requester / participant), status, order, subject,
	 * last_activity; latest first, merged ones left out */
	struct db_table *tickets;
	struct db_table *orders; /* order, tickets, last_activity; latest first */
};
/* Fills r for address in tenant_id. Returns 1, 0 when the tenant has no
 * such contact, -1; free r with db_contact_report_free() in every case. */
int db_find_contact(struct db *db, int64_t tenant_id, const char *address, struct db_contact_report *r,
		    char **error_r);
void db_contact_report_free(struct db_contact_report *r);

/* ---- Settings ---- */

/* Sets the tenant's text search configuration to config, which must be a
 * name in pg_ts_config (e.g. "spanish", "english", "simple"), and indexes
 * the tenant's stored messages with it again (*reindexed_r: how many).
 * Returns 1 done, 0 no such configuration (nothing changed), -1. */
int db_find_search_config_set(struct db *db, int64_t tenant_id, const char *config, int64_t *reindexed_r,
			      char **error_r);
/* The tenant's text search configuration (*config_r malloc'd). 1, 0 no
 * such tenant, -1. */
int db_find_search_config_get(struct db *db, int64_t tenant_id, char **config_r, char **error_r);
/* Sets after how many seconds a solved ticket of the team closes; 0:
 * never. Returns 0 or -1. */
int db_find_close_after_set(struct db *db, int64_t tenant_id, int64_t team_id, int64_t seconds, char **error_r);

#endif
