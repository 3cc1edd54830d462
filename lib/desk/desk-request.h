#ifndef MD_DESK_REQUEST_H
#define MD_DESK_REQUEST_H
/* Requests (issue 12): a brand opens a request about an order for one of
 * the tenant's reasons. A request is a ticket with the order and the
 * reason; while it is not closed, another request for the same (tenant,
 * order, reason) joins it (a message on it and an event "deduplicated")
 * instead of opening a second one, also when both run at once (a unique
 * index, lib/db's db_request_ticket()). Its first message is stored as
 * customer mail from the requester to the team, through the delivery
 * pipeline (desk_deliver's steps): ticket.created rules (which see the
 * reason), the agents' notification and the acknowledgement to the
 * requester, exactly as for mail. maildeskctl and the HTTP side are thin
 * callers. Errors: -1 with *error_r, one malloc'd line meant for the user. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "desk/desk.h"

struct db_http_idem;

struct mime_compose_attachment;

/* Whether name can be a reason: 1-200 bytes of UTF-8 without control
 * characters, not only blanks. */
bool desk_reason_name_valid(const char *name);
/* Adds a reason to the tenant (team_id 0: none; priority 0-3, -1: none).
 * Refused ("reason \"X\" exists already") when the tenant has a reason of
 * that name in any case. In its own transaction (not inside one).
 * Returns 0 or -1. */
int desk_reason_add(struct db *db, int64_t tenant_id, const char *name, int64_t team_id, int priority,
		    char **error_r);
/* Removes (retires) a reason: refused while a request that is not closed
 * uses it ("reason \"X\" is used by N open requests: close them first");
 * closed requests keep showing it, and the name can be added again. In
 * its own transaction. Returns 1 removed, 0 no such reason (*error_r
 * says so), -1. */
int desk_reason_remove(struct db *db, int64_t tenant_id, const char *name, char **error_r);

/* One request to open. Strings are borrowed for the call. */
struct desk_request {
	int64_t tenant_id;
	const char *order;   /* the order reference: 1-200 bytes of UTF-8, no control characters */
	const char *reason;  /* the name of one of the tenant's reasons, any case */
	const char *from;    /* the requester's address: becomes the ticket's requester */
	const char *subject; /* NULL or "": "Order REF: REASON" */
	const char *text;    /* the first message's text body (UTF-8, no NUL) */
	size_t len;
	const struct mime_compose_attachment *attachments;
	size_t n_attachments;
	const char *actor;   /* recorded on the events ("maildeskctl") */
	/* Opened to the brand's provider (issue 14): a new request is handled
	 * by the brand's active connection's provider team whatever the
	 * support owner (refused without an active connection). */
	bool to_provider;
	/* NULL, or (the HTTP API's Idempotency-Key) a record stored in the
	 * request's transaction, its status (201 opened, 200 joined),
	 * ticket_number and joined filled in here (db-http.h). */
	const struct db_http_idem *idem;
	/* The composed message's Message-ID (without <>) and Date; NULL / 0:
	 * a random one and now. Intake (desk-intake.c) derives both from a
	 * chat's or an event's content, so a repost is the same bytes and the
	 * delivery's dedupe keeps it once. */
	const char *message_id;
	int64_t date;
};
struct desk_request_result {
	int64_t number;     /* the ticket's number */
	int64_t message_id; /* the stored message */
	bool joined;        /* an open request for the order and reason existed */
	/* On -1: the member of struct desk_request that was refused ("order",
	 * "reason", "from", "subject", "text"), or NULL when storing failed
	 * or the tenant cannot take requests (no team, no alias). */
	const char *bad_field;
};
/* Opens the request, or joins the open one: the team is the reason's, else
 * the tenant's first team; priority the reason's (else medium). The first
 * message is composed as mail From the requester To the team's address,
 * with the attachments, and stored with its raw bytes. Runs its own
 * transaction (must not be called inside one) and returns 0 only after
 * COMMIT, with *res; -1 with *error_r and nothing stored. */
int desk_request_open(struct db *db, const struct desk_settings *s, const struct desk_request *rq,
		      struct desk_request_result *res, char **error_r);

/* The desk_ticket_* change behind it (desk.h's rules: inside the caller's
 * transaction; 1 changed with its event, 0 unchanged, -1). */
int desk_ticket_set_reference(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *reference,
			      const char *actor, char **error_r);
/* The reference of request number (an identifier the team fills in later,
 * e.g. the carrier's claim number; NULL or "": cleared): event
 * "reference" "set to X" / "cleared" by actor, only when it changed. In
 * its own transaction. Returns 1 changed, 0 unchanged, -1 (also for no
 * such ticket, or a ticket that is no request). */
int desk_request_set_reference(struct db *db, int64_t number, const char *reference, const char *actor,
			       char **error_r);

#endif
