#ifndef MD_DESK_INTAKE_H
#define MD_DESK_INTAKE_H
/* Tickets that do not arrive by mail (issue 13, intake 1-3). A web form's
 * submission, a chat transcript and a shop's event each become customer
 * mail From the customer To the team, stored through the delivery pipeline
 * (desk_deliver's steps, one transaction): ticket.created rules, the
 * agents' notification and, for a form or a chat, the acknowledgement, as
 * for mail. What is new is where the message goes:
 *   - a form's submission always opens a ticket of the form's team (its
 *     order field, if any, becomes the ticket's order);
 *   - a chat opens one ticket per chat id and tenant; a later post of the
 *     same chat adds the transcript to it (a closed, solved, pending or
 *     snoozed ticket opens again);
 *   - an event opens a DRAFT ticket (status draft: the requester is set
 *     but nothing is mailed to them until an agent answers, which makes it
 *     pending) tagged by its type, or joins the ticket of that order and
 *     type that is not closed. ticket.created rules see event.type.
 * The HTTP API's Idempotency-Key: idem (NULL none, or a form's
 * submission's) is stored in the delivery's transaction with the ticket it
 * went to (desk_request.idem's rules); a duplicate or an ignored event
 * stores none.
 * lib/intake reads and checks the strangers' bytes; maildeskctl and the
 * HTTP side are thin callers. Each function runs its own transaction
 * (never call inside one) unless it says otherwise. Errors: -1 with
 * *error_r, one malloc'd line meant for the user. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"
#include "desk/desk.h"
#include "intake/intake.h"

struct mime_compose_attachment;
struct db_http_idem;

/* What an intake did. */
struct desk_intake_result {
	int64_t number;     /* the ticket's number */
	int64_t message_id; /* the stored message (the earlier one for a duplicate) */
	bool joined;        /* an existing ticket (chat, event) took the message */
	bool duplicate;     /* the same post was stored before: nothing new */
	bool draft;         /* the ticket is a draft (an event) */
	bool ignored;       /* an event of a type the tenant disabled: nothing stored */
};

/* ---- Forms ---- */

/* Adds form name (see sql/023 for what a name may be) to team_id with the
 * fields given as "--field" specs (intake_field_spec_parse(); checked
 * together by intake_fields_check()), title ("" none) and the minimum
 * fill time. "form \"x\" exists already" when the name is taken by any
 * tenant (names are in public URLs). 0 or -1. */
int desk_form_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *title,
		  unsigned min_fill_s, const char *const *specs, size_t n_specs, char **error_r);
/* Whether name can name a form: [a-z0-9][a-z0-9_-]{0,63}. */
bool desk_form_name_valid(const char *name);

/* A form as served and taken. */
struct desk_form {
	int64_t tenant_id, id, team_id;
	char *name, *title, *team_name;
	unsigned min_fill_s;
	struct intake_field *fields;
	size_t n_fields;
};
/* The form called name: 1 with *f (free with desk_form_free()), 0 none, -1. */
int desk_form_load(struct db *db, const char *name, struct desk_form *f, char **error_r);
void desk_form_free(struct desk_form *f);

/* Files sent with a form (borrowed for the call). */
struct desk_form_submission {
	const struct intake_pairs *values; /* checked by intake_form_check() against f */
	const struct mime_compose_attachment *attachments;
	size_t n_attachments;
	const char *actor; /* recorded on the events ("http", "maildeskctl") */
	const struct db_http_idem *idem; /* NULL, or the HTTP API's record */
};
/* Stores the submission as a new ticket of the form's team: requester the
 * email field, subject the field "subject" if the form has one, else the
 * form's title, else "Form NAME"; the first message's text lists the
 * one-line fields ("Name: value") and then the text fields. Values that
 * intake_form_check() refuses are -1 (the caller answers them per field
 * before). 0 after COMMIT with *res, -1 with nothing stored. */
int desk_form_submit(struct db *db, const struct desk_settings *s, const struct desk_form *f,
		     const struct desk_form_submission *sub, struct desk_intake_result *res, char **error_r);

/* ---- Chat transcripts ---- */

/* Opens the chat's ticket or adds to it (see above): team_id 0 takes the
 * tenant's first team; requester the chat's customer; the message is the
 * transcript as text (intake_chat_text()), subject the chat's, else
 * "Chat with NAME". Message-ID and Date come from the chat's id, text and
 * last time, so the same transcript posted again is a duplicate. */
int desk_chat_post(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		   const struct intake_chat *c, const char *actor, const struct db_http_idem *idem,
		   struct desk_intake_result *res, char **error_r);

/* ---- Shop events ---- */

/* The builtin types every tenant has (order.action_required, rating.bad,
 * rating.bad_with_comment), *n_r of them. */
const char *const *desk_event_types_builtin(size_t *n_r);
/* Stores the tenant's settings of a type (db_event_type_set()'s rules for
 * NULL and ""); a type that is not builtin is created by its first set.
 * The type, tag and subject are checked ("{order}" is the only
 * placeholder of a subject). In its own statement. 0 or -1. */
struct db_event_type_set;
int desk_event_type_set(struct db *db, const struct db_event_type_set *in, char **error_r);
/* Handles one event of the tenant: an unknown type is -1 ("unknown event
 * type ..."), a disabled one *res->ignored and nothing stored; else the
 * draft ticket is opened or joined (above) in the type's team (else the
 * tenant's first), subject the type's template with {order} replaced,
 * tagged with its tag (default: the type with '.' and '_' as '-'). */
int desk_event_post(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct intake_event *e,
		    const char *actor, const struct db_http_idem *idem, struct desk_intake_result *res,
		    char **error_r);

#endif
