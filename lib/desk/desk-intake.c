/* Intake beyond mail (contracts in desk-intake.h): the placement of a
 * form's, a chat's or an event's message in the delivery pipeline, and
 * web forms. Chats and events are in desk-intake-event.c. */
#include "config.h"
#include "desk/desk-intake-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-intake.h"
#include "db/db-request.h"

/* A form's ticket: always a new one, with the form's order field. */
static int place_form(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
		      const struct desk_intake_place *p, int64_t requester_id, struct db_delivery_result *r,
		      char **error_r)
{
	if (db_ticket_open_new(db, tenant_id, team_id, m->subject, requester_id, &r->ticket_id, &r->ticket_number,
			       error_r) < 0 ||
	    desk_event(db, tenant_id, r->ticket_id, "created", p->actor, p->detail, error_r) < 0)
		return -1;
	r->new_ticket = true;
	if (p->order != NULL && desk_ticket_set_order(db, tenant_id, r->ticket_id, DB_ORDER_REF, p->order,
						      DESK_ORDER_MAIL, p->actor, error_r) < 0)
		return -1;
	return 0;
}

/* A chat's or an event's ticket, opened or joined on its unique index. */
static int place_keyed(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
		       const struct desk_intake_place *p, int64_t requester_id, struct db_delivery_result *r,
		       char **error_r)
{
	bool event = p->kind == DESK_INTAKE_EVENT;
	const struct db_intake_ticket_in in = {
		.tenant_id = tenant_id, .team_id = team_id, .requester_id = requester_id, .priority = p->priority,
		.subject = m->subject, .chat_id = event ? NULL : p->chat_id, .order = p->order,
		.event_type = event ? p->event_type : NULL,
	};
	struct db_intake_ticket_out out;

	if (db_intake_ticket(db, &in, &out, error_r) < 0)
		return -1;
	r->ticket_id = out.ticket_id;
	r->ticket_number = out.number;
	r->new_ticket = out.created;
	/* A draft's requester hears nothing until an agent answers. */
	if (out.created || strcmp(out.status, "draft") == 0)
		r->skip_ack = r->skip_ack || event;
	if (out.created) {
		if (desk_event(db, tenant_id, out.ticket_id, "created", p->actor, p->detail, error_r) < 0)
			return -1;
		return event && p->tag != NULL ? (desk_ticket_tag(db, tenant_id, out.ticket_id, p->tag, false, p->actor,
								  error_r) < 0 ? -1 : 0)
					       : 0;
	}
	if (desk_event(db, tenant_id, out.ticket_id, event ? "event.joined" : "chat.reposted", p->actor, p->detail,
		       error_r) < 0)
		return -1;
	/* More from the customer's side: as a follow-up by mail does, it
	 * opens a ticket that waits or was solved (a draft stays one). */
	if (strcmp(out.status, "open") != 0 && strcmp(out.status, "draft") != 0) {
		int ret = desk_ticket_reopen(db, tenant_id, out.ticket_id, p->actor, p->detail, error_r);

		if (ret < 0)
			return -1;
		r->reopened = ret > 0;
	}
	return 0;
}

/* Contract in desk-intake-private.h. */
int desk_intake_place_run(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			  const struct desk_intake_place *p, int64_t sender_contact_id, struct db_delivery_result *r,
			  char **error_r)
{
	static const char *const reasons[] = { "form", "chat", "event" };

	snprintf(r->match_reason, sizeof(r->match_reason), "%s", reasons[p->kind]);
	snprintf(r->match_detail, sizeof(r->match_detail), "%s", p->detail);
	if (p->kind == DESK_INTAKE_FORM)
		return place_form(db, tenant_id, team_id, m, p, sender_contact_id, r, error_r);
	return place_keyed(db, tenant_id, team_id, m, p, sender_contact_id, r, error_r);
}

/* Contract in desk-intake-private.h. */
int desk_intake_default_team(struct db *db, int64_t tenant_id, int64_t *team_id_r, char **error_r)
{
	int found = db_request_default_team(db, tenant_id, team_id_r, error_r);

	if (found == 0)
		*error_r = xstrdup("the tenant has no team to take it");
	return found > 0 ? 0 : -1;
}

/* Contract in desk-intake-private.h. */
int desk_intake_deliver(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
			const struct desk_request *rq, const char *subject, const struct desk_intake_place *p,
			struct desk_intake_result *res, char **error_r)
{
	struct desk_request_mail rm;
	struct db_delivery_result r;
	char *address = NULL;
	int ret;

	memset(res, 0, sizeof(*res));
	if (desk_team_address(db, s, tenant_id, team_id, &address, error_r) < 0)
		return -1;
	if (address[0] == '\0') {
		free(address);
		*error_r = xstrdup("the team has no alias: add one with \"maildeskctl team alias add\"");
		return -1;
	}
	desk_request_mail_make(&rm, s, rq, subject, address);
	/* A form's address is typed by anyone: it is not vouched for, so no
	 * acknowledgement goes to it unless the tenant chose to acknowledge
	 * unauthenticated requesters (chats and events come with a key). */
	if (p->kind == DESK_INTAKE_FORM)
		rm.in.sender_authenticated = false;
	const struct desk_request_place place = { .from = rq->from, .actor = p->actor, .idem = rq->idem, .intake = p };
	ret = desk_deliver_request(db, s, tenant_id, team_id, address, &rm.in, &place, &r, error_r);
	if (ret == 0) {
		res->number = r.ticket_number;
		res->message_id = r.message_id;
		res->duplicate = r.duplicate;
		res->joined = !r.new_ticket && !r.duplicate;
		res->draft = p->kind == DESK_INTAKE_EVENT && r.new_ticket;
	}
	desk_request_mail_free(&rm);
	free(address);
	return ret;
}

/* ---- Forms ---- */

/* Contract in desk-intake.h. */
bool desk_form_name_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (i > 0 && (c == '_' || c == '-'))))
			return false;
	}
	return true;
}

/* Contract in desk-intake.h. */
int desk_form_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *title,
		  unsigned min_fill_s, const char *const *specs, size_t n_specs, char **error_r)
{
	struct intake_field *fields = xcalloc(n_specs + 1, sizeof(*fields));
	struct db_form_field *rows = xcalloc(n_specs + 1, sizeof(*rows));
	int ret = -1;

	if (!desk_form_name_valid(name))
		*error_r = xstrdup("a form's name is [a-z0-9][a-z0-9_-]{0,63} (it is part of the form's URL)");
	else if (title != NULL && (strlen(title) > 200 || !desk_text_valid(title, strlen(title))))
		*error_r = xstrdup("a form's title is UTF-8 text of at most 200 bytes");
	else if (min_fill_s > 3600)
		*error_r = xstrdup("the minimum fill time is 0-3600 seconds");
	else
		ret = 0;
	for (size_t i = 0; ret == 0 && i < n_specs; i++) {
		ret = intake_field_spec_parse(specs[i], &fields[i], error_r);
		rows[i] = (struct db_form_field){ fields[i].name, intake_field_type_name(fields[i].type),
						  fields[i].required };
	}
	if (ret == 0)
		ret = intake_fields_check(fields, n_specs, error_r);
	if (ret == 0 && (ret = db_begin(db, error_r)) == 0) {
		ret = db_form_add(db, tenant_id, team_id, name, title, min_fill_s, rows, n_specs, error_r);
		if (ret == 0)
			ret = db_commit(db, error_r);
		else if (db_last_error_was_duplicate(db)) {
			free(*error_r);
			*error_r = xasprintf("form \"%s\" exists already (form names are unique across tenants)", name);
		}
		if (ret < 0)
			db_rollback(db);
	}
	free(rows);
	free(fields);
	return ret;
}

/* Contract in desk-intake.h. */
void desk_form_free(struct desk_form *f)
{
	free(f->name);
	free(f->title);
	free(f->team_name);
	free(f->fields);
	memset(f, 0, sizeof(*f));
}

/* Contract in desk-intake.h. */
int desk_form_load(struct db *db, const char *name, struct desk_form *f, char **error_r)
{
	struct db_form row;
	int found;

	memset(f, 0, sizeof(*f));
	if (!desk_form_name_valid(name))
		return 0;
	if ((found = db_form_find(db, name, &row, error_r)) <= 0)
		return found;
	*f = (struct desk_form){ .tenant_id = row.tenant_id, .id = row.id, .team_id = row.team_id, .name = row.name,
				 .title = row.title, .team_name = row.team_name, .min_fill_s = row.min_fill_s };
	f->n_fields = row.fields->n_rows;
	f->fields = xcalloc(f->n_fields + 1, sizeof(*f->fields));
	for (size_t i = 0; i < f->n_fields; i++) {
		snprintf(f->fields[i].name, sizeof(f->fields[i].name), "%s", db_table_get(row.fields, i, 0));
		intake_field_type_parse(db_table_get(row.fields, i, 1), &f->fields[i].type);
		f->fields[i].required = strcmp(db_table_get(row.fields, i, 2), "t") == 0;
	}
	db_table_free(&row.fields);
	return 1;
}

/* The first message's text: one-line fields as "name: value", then each
 * text field's lines. */
static char *form_text(const struct desk_form *f, const struct intake_pairs *values, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "Web form %s\n\n", f->name);
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < f->n_fields; i++) {
			const struct intake_pair *v = intake_pairs_get(values, f->fields[i].name);
			bool text = f->fields[i].type == INTAKE_TEXT;

			if (v == NULL || v->value_len == 0 || text != (pass == 1))
				continue;
			if (text)
				buf_printf(&b, "\n%s:\n%s\n", f->fields[i].name, v->value);
			else
				buf_printf(&b, "%s: %s\n", f->fields[i].name, v->value);
		}
	}
	return buf_steal(&b, len_r);
}

/* The value of the form's field of type t (NULL when none or empty). */
static const char *typed_value(const struct desk_form *f, const struct intake_pairs *values,
			       enum intake_field_type t)
{
	for (size_t i = 0; i < f->n_fields; i++) {
		const struct intake_pair *v = intake_pairs_get(values, f->fields[i].name);

		if (f->fields[i].type == t && v != NULL && v->value_len > 0)
			return v->value;
	}
	return NULL;
}

/* Contract in desk-intake.h. */
int desk_form_submit(struct db *db, const struct desk_settings *s, const struct desk_form *f,
		     const struct desk_form_submission *sub, struct desk_intake_result *res, char **error_r)
{
	struct intake_form_errors errs;
	const struct intake_pair *subj = NULL;
	char *text, *subject, *detail;
	size_t len;
	int ret;

	memset(res, 0, sizeof(*res));
	if (intake_form_check(f->fields, f->n_fields, sub->values, &errs) > 0) {
		*error_r = xasprintf("field \"%s\": %s", errs.v[0].field, errs.v[0].detail);
		return -1;
	}
	for (size_t i = 0; i < f->n_fields; i++) {
		if (strcmp(f->fields[i].name, "subject") == 0 && f->fields[i].type == INTAKE_LINE)
			subj = intake_pairs_get(sub->values, "subject");
	}
	subject = subj != NULL && subj->value_len > 0 ? xstrdup(subj->value)
		  : f->title[0] != '\0'              ? xstrdup(f->title)
						     : xasprintf("Form %s", f->name);
	text = form_text(f, sub->values, &len);
	detail = xasprintf("web form %s", f->name);
	const struct desk_request rq = {
		.tenant_id = f->tenant_id, .from = typed_value(f, sub->values, INTAKE_EMAIL), .text = text, .len = len,
		.attachments = sub->attachments, .n_attachments = sub->n_attachments,
		.idem = sub->idem,
	};
	const struct desk_intake_place p = {
		.kind = DESK_INTAKE_FORM, .priority = 1, .detail = detail,
		.order = typed_value(f, sub->values, INTAKE_ORDER), .actor = sub->actor != NULL ? sub->actor : "http",
	};
	ret = desk_intake_deliver(db, s, f->tenant_id, f->team_id, &rq, subject, &p, res, error_r);
	free(detail);
	free(text);
	free(subject);
	return ret;
}
