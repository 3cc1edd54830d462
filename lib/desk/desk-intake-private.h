#ifndef MD_DESK_INTAKE_PRIVATE_H
#define MD_DESK_INTAKE_PRIVATE_H
/* Shared by desk-intake*.c and the delivery pipeline (desk-deliver.c). */
#include <stdint.h>

#include "desk/desk-intake.h"
#include "desk/desk-request-private.h"

enum desk_intake_kind { DESK_INTAKE_FORM, DESK_INTAKE_CHAT, DESK_INTAKE_EVENT };
/* Where an intake's message goes, decided before the pipeline runs. */
struct desk_intake_place {
	enum desk_intake_kind kind;
	int priority;
	const char *detail;     /* the event "created": "web form contact", ... */
	const char *chat_id;    /* a chat */
	const char *order;      /* a form's order field, an event's order */
	const char *event_type; /* an event, with */
	const char *tag;        /* its tag */
	const char *actor;
};
/* Step 3 of the pipeline for an intake, instead of threading: opens or
 * joins the ticket with its events (created / chat.reposted /
 * event.joined, reopened), the form's order, the event's tag; fills r as
 * desk_thread_place() does (match_reason "form", "chat" or "event") and
 * holds back the acknowledgement of a draft. Returns 0 or -1. */
int desk_intake_place_run(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			  const struct desk_intake_place *p, int64_t sender_contact_id, struct db_delivery_result *r,
			  char **error_r);
/* Composes the message (rq: its strings) for team_id of the tenant and
 * runs the pipeline with placement p (desk-intake.c). */
int desk_intake_deliver(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			const struct desk_request *rq, const char *subject, const struct desk_intake_place *p,
			struct desk_intake_result *res, char **error_r);
/* The tenant's first team, for a chat or event that names none. */
int desk_intake_default_team(struct db *db, int64_t tenant_id, int64_t *team_id_r, char **error_r);

#endif
