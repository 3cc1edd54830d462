/* Chat transcripts and shop events (contracts in desk-intake.h): each
 * made into the message the pipeline stores, with a Message-ID and Date
 * taken from its content so that the same post again is the same bytes. */
#define _GNU_SOURCE /* timegm */
#include "config.h"
#include "desk/desk-intake-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-intake.h"
#include "mime/mime.h"

/* The builtin types and their defaults (tag, subject). */
static const struct {
	const char *type, *tag, *subject;
} builtin[] = {
	{ "order.action_required", "order-action-required", "Order {order} needs an action" },
	{ "rating.bad", "rating-bad", "Bad rating for order {order}" },
	{ "rating.bad_with_comment", "rating-bad-with-comment", "Bad rating with a comment for order {order}" },
};
#define N_BUILTIN (sizeof(builtin) / sizeof(builtin[0]))

/* Contract in desk-intake.h. */
const char *const *desk_event_types_builtin(size_t *n_r)
{
	static const char *const names[N_BUILTIN] = { "order.action_required", "rating.bad",
						       "rating.bad_with_comment" };

	*n_r = N_BUILTIN;
	return names;
}

/* The builtin entry of type, or -1. */
static int builtin_index(const char *type)
{
	for (size_t i = 0; i < N_BUILTIN; i++) {
		if (strcmp(builtin[i].type, type) == 0)
			return (int)i;
	}
	return -1;
}

/* A Message-ID of our host from a digest of the content (kind "chat",
 * "event"): the same content, the same id. */
static char *content_message_id(const struct desk_settings *s, const char *kind, const char *a, const char *b)
{
	char hex[65], *all = xasprintf("%s\n%s\n%s", kind, a, b);

	mime_sha256_hex(all, strlen(all), hex);
	free(all);
	hex[32] = '\0';
	return xasprintf("%s.%s@%s", kind, hex, s->hostname != NULL && s->hostname[0] != '\0' ? s->hostname : "localhost");
}

/* "2026-12-06T10:00:00Z" (the seconds part is what counts) as Unix time;
 * 0 when it is not one. */
static int64_t rfc3339_time(const char *s)
{
	struct tm tm;
	const char *end;

	memset(&tm, 0, sizeof(tm));
	if (s == NULL || (end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)) == NULL)
		return 0;
	return (int64_t)timegm(&tm);
}

/* Contract in desk-intake.h. */
int desk_chat_post(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		   const struct intake_chat *c, const char *actor, const struct db_http_idem *idem,
		   struct desk_intake_result *res, char **error_r)
{
	const struct intake_chat_participant *cu = c->customer;
	char *text, *subject, *detail, *msgid;
	size_t len;
	int ret;

	memset(res, 0, sizeof(*res));
	if (team_id == 0 && desk_intake_default_team(db, tenant_id, &team_id, error_r) < 0)
		return -1;
	text = intake_chat_text(c, &len);
	subject = c->subject[0] != '\0' ? xstrdup(c->subject)
					: xasprintf("Chat with %s", cu->name[0] != '\0' ? cu->name : cu->email);
	detail = xasprintf("chat %s", c->id);
	msgid = content_message_id(s, "chat", c->id, text);
	const struct desk_request rq = {
		.tenant_id = tenant_id, .from = cu->email, .text = text, .len = len, .message_id = msgid,
		.date = rfc3339_time(c->messages[c->n_messages - 1].at), .idem = idem,
	};
	const struct desk_intake_place p = {
		.kind = DESK_INTAKE_CHAT, .priority = 1, .detail = detail, .chat_id = c->id,
		.actor = actor != NULL ? actor : "http",
	};
	ret = desk_intake_deliver(db, s, tenant_id, team_id, &rq, subject, &p, res, error_r);
	free(msgid);
	free(detail);
	free(subject);
	free(text);
	return ret;
}

/* The subject template with every "{order}" replaced. */
static char *subject_expand(const char *tmpl, const char *order)
{
	struct buf b;
	const char *p;

	buf_init(&b, 0);
	while ((p = strstr(tmpl, "{order}")) != NULL) {
		buf_append(&b, tmpl, (size_t)(p - tmpl));
		buf_append_str(&b, order);
		tmpl = p + strlen("{order}");
	}
	buf_append_str(&b, tmpl);
	return buf_steal(&b, NULL);
}

/* A tag from a type: '.' and '_' as '-'. */
static char *default_tag(const char *type)
{
	char *tag = xstrdup(type);

	for (char *p = tag; *p != '\0'; p++) {
		if (*p == '.' || *p == '_')
			*p = '-';
	}
	return tag;
}

/* Contract in desk-intake.h. */
int desk_event_type_set(struct db *db, const struct db_event_type_set *in, char **error_r)
{
	const char *sub = in->subject;

	if (!intake_event_type_valid(in->type))
		*error_r = xasprintf("event type \"%s\": lower-case words separated by dots (order.action_required)",
				     in->type);
	else if (in->tag != NULL && in->tag[0] != '\0' && !desk_tag_valid(in->tag))
		*error_r = xasprintf("tag \"%s\": [a-z0-9][a-z0-9_.-]{0,63}", in->tag);
	else if (sub != NULL && sub[0] != '\0' &&
		 (strlen(sub) > 200 || !desk_text_valid(sub, strlen(sub)) || strpbrk(sub, "\r\n\t") != NULL))
		*error_r = xstrdup("the subject is one line of UTF-8 text of at most 200 bytes");
	else
		return db_event_type_set(db, in, error_r);
	return -1;
}

/* The type's settings for the tenant: -1 unknown (not builtin, no row). */
static int type_settings(struct db *db, int64_t tenant_id, const char *type, struct db_event_type *et,
			 char **error_r)
{
	int found = db_event_type_get(db, tenant_id, type, et, error_r);
	int b = builtin_index(type);

	if (found < 0)
		return -1;
	if (found == 0 && b < 0) {
		*error_r = xasprintf("unknown event type \"%s\": builtin are order.action_required, rating.bad and"
				     " rating.bad_with_comment; others need \"maildeskctl event-type set\"", type);
		return -1;
	}
	if (found == 0)
		et->enabled = true;
	if (et->tag == NULL || et->tag[0] == '\0') {
		free(et->tag);
		et->tag = b >= 0 ? xstrdup(builtin[b].tag) : default_tag(type);
	}
	if (et->subject == NULL || et->subject[0] == '\0') {
		free(et->subject);
		et->subject = b >= 0 ? xstrdup(builtin[b].subject) : xasprintf("%s: order {order}", type);
	}
	return 0;
}

/* Contract in desk-intake.h. */
int desk_event_post(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct intake_event *e,
		    const char *actor, const struct db_http_idem *idem, struct desk_intake_result *res,
		    char **error_r)
{
	struct db_event_type et = { 0 };
	char *text = NULL, *subject = NULL, *detail = NULL, *msgid = NULL;
	int64_t team_id;
	size_t len;
	int ret;

	memset(res, 0, sizeof(*res));
	if (type_settings(db, tenant_id, e->type, &et, error_r) < 0) {
		db_event_type_free(&et);
		return -1;
	}
	if (!et.enabled) {
		res->ignored = true;
		db_event_type_free(&et);
		return 0;
	}
	team_id = et.team_id;
	if (team_id == 0 && desk_intake_default_team(db, tenant_id, &team_id, error_r) < 0) {
		db_event_type_free(&et);
		return -1;
	}
	text = intake_event_text(e, &len);
	subject = subject_expand(et.subject, e->order);
	detail = xasprintf("event %s for order %s", e->type, e->order);
	/* With the shop's id, the same event again is the same message. */
	if (e->id[0] != '\0')
		msgid = content_message_id(s, "event", e->type, e->id);
	const struct desk_request rq = {
		.tenant_id = tenant_id, .from = e->email, .text = text, .len = len, .message_id = msgid,
		.date = msgid != NULL ? rfc3339_time(e->occurred_at) : 0, .idem = idem,
	};
	const struct desk_intake_place p = {
		.kind = DESK_INTAKE_EVENT, .priority = 1, .detail = detail, .order = e->order, .event_type = e->type,
		.tag = et.tag, .actor = actor != NULL ? actor : "http",
	};
	ret = desk_intake_deliver(db, s, tenant_id, team_id, &rq, subject, &p, res, error_r);
	free(msgid);
	free(detail);
	free(subject);
	free(text);
	db_event_type_free(&et);
	return ret;
}
