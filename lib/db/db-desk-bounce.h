#ifndef MD_DB_DESK_BOUNCE_H
#define MD_DB_DESK_BOUNCE_H
/* Mail of ours that did not arrive: where an outbound row came from, and
 * marking it failed when a delivery report says so. Conventions of db.h:
 * -1 with *error_r malloc'd on failure; lookups return 1 found, 0 not
 * found. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Who and what an outbound row carried. */
struct db_desk_outbound_origin {
	int64_t ticket_id; /* 0: about no ticket */
	int64_t agent_id;  /* the agent of the stored outgoing message with its Message-ID, 0: none */
	bool agent_mail;   /* kind reply or new: mail an agent wrote (not automatic) */
};
/* The origin of the tenant's outbound row outbound_id into *o. 1 found,
 * 0 no such row, -1 error. */
int db_desk_outbound_origin(struct db *db, int64_t tenant_id, int64_t outbound_id, struct db_desk_outbound_origin *o,
			    char **error_r);
/* Marks the tenant's outbound row failed (no longer sent, due now for
 * nobody) with why as its last error. Returns 0 (also when there is no
 * such row) or -1. */
int db_desk_outbound_fail(struct db *db, int64_t tenant_id, int64_t outbound_id, const char *why, char **error_r);

#endif
