#ifndef MD_DESK_REQUEST_PRIVATE_H
#define MD_DESK_REQUEST_PRIVATE_H
/* Shared by lib/desk's request files (desk-request*.c) and the delivery
 * pipeline (desk-deliver.c). */
#include <stdbool.h>
#include <stdint.h>

#include "desk/desk-private.h"
#include "desk/desk-request.h"
#include "mime/mime-fields.h"

/* A request's first message as the pipeline takes it; owns everything
 * in points at except the request's own strings and attachment data. */
struct desk_request_mail {
	struct db_message_in in;
	struct db_address to;
	char *raw, *text, *message_id, *header_block, *fields_buf;
	size_t raw_len;
	char raw_sha256[65];
	struct mime_field *fields;
	size_t n_fields;
	struct db_attachment_in *attachments;
	char **filenames;
	char (*hashes)[65];
};
/* Composes it (desk-request-mail.c): From rq->from To team_address with
 * subject, the text and the attachments. Never fails. */
void desk_request_mail_make(struct desk_request_mail *rm, const struct desk_settings *s,
			    const struct desk_request *rq, const char *subject, const char *team_address);
void desk_request_mail_free(struct desk_request_mail *rm);

struct desk_intake_place;
/* Where a request's message goes, decided before the pipeline runs. */
struct desk_request_place {
	int64_t reason_id;
	int priority;
	const char *order, *reason_name, *from, *actor;
	bool to_provider; /* a request the brand opens to its provider (issue 14) */
	const struct db_http_idem *idem; /* NULL or struct desk_request's */
	/* Not NULL: no request but a form, a chat or an event
	 * (desk-intake-private.h), placed by desk_intake_place_run(). */
	const struct desk_intake_place *intake;
};
/* Step 3 of the pipeline for a request, instead of threading
 * (desk-request.c): opens the request ticket or joins the open one
 * (db_request_ticket()), with its event ("created", or "deduplicated"
 * and, for a ticket that was not open, "reopened"); fills r as
 * desk_thread_place() does (match_reason "request"). Returns 0 or -1. */
int desk_request_place_run(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			   const struct desk_request_place *p, int64_t sender_contact_id,
			   struct db_delivery_result *r, char **error_r);
/* Stores the HTTP API's Idempotency-Key record idem (NULL: nothing) of a
 * placed request or intake in the delivery's transaction: status 201 for
 * a new ticket, else 200 and joined; the ticket r placed it in
 * (desk-request.c). 0, or -1 (a twin's committed record: a unique
 * violation). */
int desk_request_idem_store(struct db *db, const struct db_http_idem *idem, const struct db_delivery_result *r,
			    char **error_r);
/* desk_deliver() with the request's placement instead of threading
 * (desk-deliver.c). */
int desk_deliver_request(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			 const char *rcpt, const struct db_message_in *m, const struct desk_request_place *p,
			 struct db_delivery_result *r, char **error_r);

#endif
