/* Requests (contracts in desk-request.h): reasons, opening or joining a
 * request through the delivery pipeline, and the reference filled in
 * later. The uniqueness of an open request is lib/db's (one INSERT ... ON
 * CONFLICT); this file decides what is recorded about it. */
#include "config.h"
#include "desk/desk-request-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-http.h"
#include "db/db-deliver.h"
#include "db/db-request.h"

/* What may name a reason or an order: shown in lists and subjects. */
static bool label_valid(const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;
	bool blank = true;

	if (len == 0 || len > 200 || !desk_text_valid(s, len))
		return false;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f)
			return false;
		blank = blank && c == ' ';
	}
	return !blank;
}

/* Contract in desk-request.h. */
bool desk_reason_name_valid(const char *name)
{
	return label_valid(name);
}

/* Runs one change in a transaction of its own: 0 / 1 committed, -1 rolled back. */
static int in_transaction(struct db *db, int ret, char **error_r)
{
	if (ret >= 0 && db_commit(db, error_r) == 0)
		return ret;
	db_rollback(db);
	return -1;
}

/* Contract in desk-request.h. */
int desk_reason_add(struct db *db, int64_t tenant_id, const char *name, int64_t team_id, int priority,
		    char **error_r)
{
	int64_t id;
	char *error = NULL;

	if (!label_valid(name)) {
		*error_r = xstrdup("a reason's name is 1-200 bytes of UTF-8 text without control characters");
		return -1;
	}
	if (db_reason_add(db, tenant_id, name, team_id, priority, &id, &error) == 0)
		return 0;
	if (db_last_error_was_duplicate(db)) {
		free(error);
		error = xasprintf("reason \"%s\" exists already (names are compared ignoring case)", name);
	}
	*error_r = error;
	return -1;
}

/* Contract in desk-request.h. */
int desk_reason_remove(struct db *db, int64_t tenant_id, const char *name, char **error_r)
{
	int64_t open = 0;
	int found;

	if (db_begin(db, error_r) < 0)
		return -1;
	found = in_transaction(db, db_reason_retire(db, tenant_id, name, &open, error_r), error_r);
	if (found == 0)
		*error_r = xasprintf("reason \"%s\" not found", name);
	else if (found > 0 && open > 0) {
		*error_r = xasprintf("reason \"%s\" is used by %" PRId64 " open request%s: close %s first", name, open,
				     open == 1 ? "" : "s", open == 1 ? "it" : "them");
		return -1;
	}
	return found;
}

/* Contract in desk-request-private.h. */
int desk_request_idem_store(struct db *db, const struct db_http_idem *idem, const struct db_delivery_result *r,
			    char **error_r)
{
	struct db_http_idem rec;

	if (idem == NULL)
		return 0;
	rec = *idem;
	rec.status = r->new_ticket ? 201 : 200;
	rec.ticket_number = r->ticket_number;
	rec.joined = !r->new_ticket;
	return db_http_idem_insert(db, &rec, error_r);
}

/* Contract in desk-request-private.h. */
int desk_request_place_run(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			   const struct desk_request_place *p, int64_t sender_contact_id,
			   struct db_delivery_result *r, char **error_r)
{
	const struct db_request_ticket_in in = {
		.tenant_id = tenant_id, .team_id = team_id, .requester_id = sender_contact_id,
		.reason_id = p->reason_id, .priority = p->priority, .order = p->order, .subject = m->subject,
	};
	struct db_request_ticket_out out;
	char *detail;
	int ret;

	if (db_request_ticket(db, &in, &out, error_r) < 0)
		return -1;
	r->ticket_id = out.ticket_id;
	r->ticket_number = out.number;
	r->new_ticket = out.created;
	snprintf(r->match_reason, sizeof(r->match_reason), "request");
	snprintf(r->match_detail, sizeof(r->match_detail), "request by %s for order %s: %s", p->from, p->order,
		 p->reason_name);
	if (out.created)
		return desk_event(db, tenant_id, out.ticket_id, "created", p->actor, r->match_detail, error_r);
	detail = xasprintf("%s joined this open request", r->match_detail);
	ret = desk_event(db, tenant_id, out.ticket_id, "deduplicated", p->actor, detail, error_r);
	free(detail);
	/* A request again is the customer writing again: as a follow-up by
	 * mail does, it opens a pending, solved or snoozed ticket. */
	if (ret == 0 && strcmp(out.status, "open") != 0) {
		ret = desk_ticket_reopen(db, tenant_id, out.ticket_id, p->actor, "a new request joined", error_r);
		r->reopened = ret > 0;
	}
	return ret < 0 ? -1 : 0;
}

/* The reason, its team (else the tenant's first) and that team's address. */
static int request_route(struct db *db, const struct desk_settings *s, const struct desk_request *rq,
			 struct db_reason *reason, int64_t *team_id_r, char **address_r, const char **field_r,
			 char **error_r)
{
	int found = db_reason_find(db, rq->tenant_id, rq->reason, reason, error_r);

	if (found == 0)
		*error_r = xasprintf("reason \"%s\" not found: see \"maildeskctl reason list\"", rq->reason),
		*field_r = "reason";
	if (found <= 0)
		return -1;
	*team_id_r = reason->team_id;
	if (*team_id_r == 0 && (found = db_request_default_team(db, rq->tenant_id, team_id_r, error_r)) <= 0) {
		if (found == 0)
			*error_r = xstrdup("the tenant has no team to take the request");
		return -1;
	}
	if (desk_team_address(db, s, rq->tenant_id, *team_id_r, address_r, error_r) < 0)
		return -1;
	if ((*address_r)[0] == '\0') {
		*error_r = xstrdup("the request's team has no alias: add one with \"maildeskctl team alias add\"");
		return -1;
	}
	return 0;
}

/* The request's own strings, checked before anything is read. */
static int request_check(const struct desk_request *rq, const char **field_r, char **error_r)
{
	const char *at = rq->from != NULL ? strchr(rq->from, '@') : NULL;

	if (!label_valid(rq->order))
		*error_r = xstrdup("the order reference is 1-200 bytes of UTF-8 text without control characters"),
		*field_r = "order";
	else if (at == NULL || at == rq->from || at[1] == '\0' || strpbrk(rq->from, " \t\r\n<>\"") != NULL ||
		 !desk_text_valid(rq->from, strlen(rq->from)))
		*error_r = xasprintf("invalid requester address \"%s\"", rq->from != NULL ? rq->from : ""),
		*field_r = "from";
	else if (rq->subject != NULL && rq->subject[0] != '\0' && !label_valid(rq->subject))
		*error_r = xstrdup("the subject must be UTF-8 text without control characters"), *field_r = "subject";
	else if (!desk_text_valid(rq->text, rq->len))
		*error_r = xstrdup("the text must be UTF-8 without NUL bytes"), *field_r = "text";
	else
		return 0;
	return -1;
}

/* The request's subject: the one given, else the tenant's order subject
 * template with the reason after it, else "Order REF: REASON". */
static int request_subject(struct db *db, const struct desk_request *rq, const char *reason, char **subject_r,
			   char **error_r)
{
	char *templated = NULL;
	int found;

	if (rq->subject != NULL && rq->subject[0] != '\0') {
		*subject_r = xstrdup(rq->subject);
		return 0;
	}
	if ((found = desk_order_subject(db, rq->tenant_id, rq->order, &templated, error_r)) < 0)
		return -1;
	*subject_r = found > 0 ? xasprintf("%s (%s)", templated, reason) : xasprintf("Order %s: %s", rq->order, reason);
	free(templated);
	return 0;
}

/* Contract in desk-request.h. */
int desk_request_open(struct db *db, const struct desk_settings *s, const struct desk_request *rq,
		      struct desk_request_result *res, char **error_r)
{
	struct db_reason reason = { 0 };
	struct desk_request_mail rm;
	struct db_delivery_result r;
	int64_t team_id = 0;
	char *address = NULL, *subject = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	if (request_check(rq, &res->bad_field, error_r) < 0 ||
	    request_route(db, s, rq, &reason, &team_id, &address, &res->bad_field, error_r) < 0) {
		db_reason_free(&reason);
		free(address);
		return -1;
	}
	if (request_subject(db, rq, reason.name, &subject, error_r) < 0) {
		db_reason_free(&reason);
		free(address);
		return -1;
	}
	desk_request_mail_make(&rm, s, rq, subject, address);
	const struct desk_request_place p = {
		.reason_id = reason.id, .priority = reason.priority >= 0 ? reason.priority : 1, .order = rq->order,
		.reason_name = reason.name, .from = rq->from, .actor = rq->actor != NULL ? rq->actor : "mail",
		.to_provider = rq->to_provider,
		.idem = rq->idem,
	};
	ret = desk_deliver_request(db, s, rq->tenant_id, team_id, address, &rm.in, &p, &r, error_r);
	if (ret == 0) {
		res->number = r.ticket_number;
		res->message_id = r.message_id;
		res->joined = !r.new_ticket;
	}
	desk_request_mail_free(&rm);
	free(subject);
	free(address);
	db_reason_free(&reason);
	return ret;
}

/* Contract in desk-request.h. */
int desk_ticket_set_reference(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *reference,
			      const char *actor, char **error_r)
{
	int changed = db_request_ref_set(db, tenant_id, ticket_id, reference, error_r);
	char *detail;

	if (changed <= 0)
		return changed;
	detail = reference != NULL && reference[0] != '\0' ? xasprintf("set to %s", reference) : xstrdup("cleared");
	changed = desk_event(db, tenant_id, ticket_id, "reference", actor, detail, error_r) < 0 ? -1 : 1;
	free(detail);
	return changed;
}

/* Contract in desk-request.h. */
int desk_request_set_reference(struct db *db, int64_t number, const char *reference, const char *actor,
			       char **error_r)
{
	int64_t tenant_id = 0, ticket_id = 0;
	char *old = NULL;
	int found, ret;

	if (reference != NULL && reference[0] != '\0' && !label_valid(reference)) {
		*error_r = xstrdup("the reference is 1-200 bytes of UTF-8 text without control characters");
		return -1;
	}
	if (db_begin(db, error_r) < 0)
		return -1;
	found = db_request_lock(db, number, &tenant_id, &ticket_id, &old, error_r);
	free(old);
	if (found == 0 || found == 2) {
		*error_r = found == 0 ? xasprintf("ticket %" PRId64 " not found", number)
				      : xasprintf("ticket %" PRId64 " is no request", number);
		found = -1;
	}
	ret = found < 0 ? -1 : desk_ticket_set_reference(db, tenant_id, ticket_id, reference, actor, error_r);
	return in_transaction(db, ret, error_r);
}

/* Contract in desk-private.h: checked before the change, so that an
 * agent's command is refused with a reason instead of failing the whole
 * mail on the unique index (or the request's order check). */
int desk_request_change_why(struct db *db, int64_t tenant_id, int64_t ticket_id, bool reopen, const char *order,
			    char **why_r, char **error_r)
{
	bool is_request, closed;
	int64_t other;

	*why_r = NULL;
	if (!reopen && order != NULL && order[0] == '\0')
		order = NULL;
	if (db_request_conflict(db, tenant_id, ticket_id, reopen ? NULL : order, &is_request, &closed, &other,
				error_r) < 0)
		return -1;
	if (!is_request)
		return 0;
	if (!reopen && order == NULL)
		*why_r = xstrdup("a request keeps its order (it is about that order)");
	else if (reopen && closed && other > 0)
		*why_r = xasprintf("request #%" PRId64 " for the same order and reason is open", other);
	else if (!reopen && !closed && other > 0)
		*why_r = xasprintf("request #%" PRId64 " for order %.80s and this reason is already open", other,
				   order);
	return 0;
}
