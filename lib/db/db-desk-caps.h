#ifndef MD_DB_DESK_CAPS_H
#define MD_DB_DESK_CAPS_H
/* How much automatic mail (RFC 3834: notifications, acknowledgements,
 * explanations) maildesk queued lately, counted from the outbound queue
 * itself, for lib/desk's hourly caps and the acknowledgement window.
 * Conventions of db.h: -1 with *error_r malloc'd on failure. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Automatic mail (kinds notification, ack, explanation) queued in the
 * last hour, as lib/desk caps it. */
struct db_desk_auto_counts {
	int64_t per_ticket;  /* about ticket_id */
	int64_t per_address; /* to rcpt (any ticket of the tenant); 0 when rcpt is an agent of the tenant */
	int64_t per_team;    /* kind ack of the ticket's team; 0 unless team_acks */
};
/* Counts the automatic mail of the last hour for a mail about ticket_id
 * to rcpt (compared in lower case) into *c; the per-team count of
 * acknowledgements only when team_acks (the mail to cap is one). Returns 0
 * or -1. */
int db_desk_auto_counts(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *rcpt, bool team_acks,
			struct db_desk_auto_counts *c, char **error_r);

/* Whether the team queued an acknowledgement (kind ack, about one of its
 * tickets) to rcpt (exact text, as queued) within the last window_s
 * seconds. First takes a transaction lock on (tenant, team, rcpt), held to
 * the end of the caller's transaction, so two deliveries from one sender
 * at once are counted one after the other: the second sees the first
 * one's row. 1 yes, 0 no, -1 error. Must run inside a transaction. */
int db_desk_ack_recent(struct db *db, int64_t tenant_id, int64_t team_id, const char *rcpt, unsigned window_s,
		       char **error_r);

#endif
