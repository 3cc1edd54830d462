#ifndef MD_DB_DESK_CLI_H
#define MD_DB_DESK_CLI_H
/* What "maildeskctl ticket reply/note/new" write besides mail: finding
 * and locking the ticket a command names, the customer's contact, a new
 * ticket, the ticket's last activity. Conventions of db.h: -1 with
 * *error_r malloc'd on failure; lookups return 1 found, 0 not found.
 * Everything runs in the caller's transaction. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* A ticket found by its number. */
struct db_desk_ticket_ref {
	int64_t tenant_id, id;
	bool merged;                /* status merged: only a pointer to another ticket */
	int64_t merged_into_number; /* that ticket's number, 0 when unknown */
};
/* Locks (FOR UPDATE, to the end of the caller's transaction) the ticket
 * with this number, of any tenant, and fills *r. 1 found, 0 none, -1
 * error. */
int db_desk_ticket_lock(struct db *db, int64_t number, struct db_desk_ticket_ref *r, char **error_r);
/* Marks the ticket as just worked on (last_activity_at and updated_at
 * now). Returns 0 or -1. */
int db_desk_ticket_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r);
/* The tenant's contact with address email (stored in lower case; the same
 * row as when they write in), made when new; its id into *contact_id_r.
 * Returns 0 or -1. */
int db_desk_contact_upsert(struct db *db, int64_t tenant_id, const char *email, int64_t *contact_id_r,
			   char **error_r);
/* A new ticket of the team (status and number as the schema gives them)
 * with requester_id as requester, assigned to assignee_id; its id into
 * *ticket_id_r. Returns 0 or -1. */
int db_desk_ticket_create(struct db *db, int64_t tenant_id, int64_t team_id, const char *subject,
			  int64_t requester_id, int64_t assignee_id, int64_t *ticket_id_r, char **error_r);

#endif
