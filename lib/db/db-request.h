#ifndef MD_DB_REQUEST_H
#define MD_DB_REQUEST_H
/* Typed operations of requests (sql/016_requests.sql): a tenant's reasons,
 * the request ticket keyed by (tenant, order, reason) while it is not
 * closed, and the reference the team fills in later. Only lib/desk's
 * desk-request*.c call the writes (they pair each change with its event);
 * maildeskctl reads the reports. Returns as db.h says: 0 / 1 found or
 * changed / 0 not; -1 with *error_r malloc'd. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* ---- Reasons ---- */

/* One reason in use (not retired). */
struct db_reason {
	int64_t id;
	char *name;    /* as stored (malloc'd) */
	int64_t team_id; /* 0: none */
	int priority;  /* 0-3, -1: none */
};
void db_reason_free(struct db_reason *r);

/* Adds a reason (team_id 0: none; priority -1: none). -1 with
 * db_last_error_was_duplicate() when the tenant already has a reason of
 * that name in any case. Returns 0 with *id_r. */
int db_reason_add(struct db *db, int64_t tenant_id, const char *name, int64_t team_id, int priority,
		  int64_t *id_r, char **error_r);
/* The reason of the tenant named name, compared case-insensitively (lower()
 * in the database's UTF-8 ctype), not retired: 1 found (*r filled, free
 * with db_reason_free()), 0 none, -1. */
int db_reason_find(struct db *db, int64_t tenant_id, const char *name, struct db_reason *r, char **error_r);
/* Retires the reason (it stays on the tickets that have it) unless a
 * request that is not closed uses it. Returns 1 found: retired when
 * *open_r is 0, else nothing changed and *open_r says how many open
 * requests use it; 0 no such reason; -1. Locks the reason row first
 * (FOR UPDATE), so a request opened concurrently is either counted or
 * finds the reason retired (db_request_ticket() reads it FOR KEY SHARE). */
int db_reason_retire(struct db *db, int64_t tenant_id, const char *name, int64_t *open_r, char **error_r);
/* Columns: name, team, priority, open_requests, requests, created; by
 * name. Retired reasons are left out. Returns 0 with *t_r. */
int db_report_reasons(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);

/* ---- Requests ---- */

/* A request ticket to open or join. */
struct db_request_ticket_in {
	int64_t tenant_id, team_id, requester_id, reason_id;
	int priority;        /* for a new ticket */
	const char *order;   /* order_ref, not empty */
	const char *subject; /* for a new ticket, not empty */
};
/* What db_request_ticket() found or made. */
struct db_request_ticket_out {
	int64_t ticket_id, number;
	bool created;   /* a new ticket; else the open request joined */
	char status[16]; /* the ticket's status before this request */
};
/* One statement: INSERT ... ON CONFLICT on the partial unique index
 * tickets_request_open (tenant, order, reason while not closed or merged)
 * DO UPDATE, so two requests at once make one ticket: the second waits for
 * the first's transaction and then joins its ticket (its last activity is
 * now). Never a check-then-insert. The reason must not be retired (else
 * -1). Returns 0 with *out, -1. */
int db_request_ticket(struct db *db, const struct db_request_ticket_in *in, struct db_request_ticket_out *out,
		      char **error_r);

/* A request by ticket number, locked (FOR UPDATE): 1 with its tenant, row
 * id and current reference (*ref_r malloc'd, NULL when none); 2 when the
 * ticket is no request (nothing set); 0 no such ticket; -1. */
int db_request_lock(struct db *db, int64_t number, int64_t *tenant_id_r, int64_t *ticket_id_r, char **ref_r,
		    char **error_r);
/* tickets.request_ref = ref (NULL or "": cleared) when it differs;
 * updated_at now. 1 changed, 0 the same, -1. */
int db_request_ref_set(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *ref, char **error_r);

/* What a change would do to "one open request per (order, reason)"
 * (tickets_request_open): *is_request_r whether the ticket is a request,
 * *closed_r whether it is closed or merged (out of the index), *other_r the
 * number of another open request with order (NULL: the ticket's own) and
 * the ticket's reason, 0 none. Returns 0, or -1 (no such ticket too). */
int db_request_conflict(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *order, bool *is_request_r,
			bool *closed_r, int64_t *other_r, char **error_r);

/* The request part of "ticket show": one row (order, reason, reference)
 * when ticket number is a request, none otherwise. 0 with *t_r, -1. */
int db_report_request(struct db *db, int64_t number, struct db_table **t_r, char **error_r);

/* The tenant's first team (the oldest): 1 with *team_id_r, 0 when it has
 * none, -1. Where a request goes when its reason names no team. */
int db_request_default_team(struct db *db, int64_t tenant_id, int64_t *team_id_r, char **error_r);

#endif
