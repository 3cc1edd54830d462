/* Webhooks out: the payload of an event and its rows in the queue, in the
 * caller's transaction (contracts in desk-webhook.h). */
#include "config.h"
#include "desk/desk-webhook.h"

#include <jansson.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"
#include "db/db-desk-facts.h"
#include "db/db-webhook.h"

/* How much of a message's text a payload carries. */
#define SUMMARY_MAX 500

/* A JSON string of v's first len bytes; bytes that are no valid UTF-8
 * (mail text may hold anything) become '?' so the payload stays JSON. */
static json_t *text_json(const char *v, size_t len)
{
	json_t *j;
	char *copy;

	if (v == NULL)
		return json_null();
	if ((j = json_stringn(v, len)) != NULL)
		return j;
	copy = xmalloc(len + 1);
	memcpy(copy, v, len);
	for (size_t i = 0; i < len; i++)
		if ((unsigned char)copy[i] >= 0x80 || copy[i] == '\0')
			copy[i] = '?';
	j = json_stringn(copy, len);
	free(copy);
	return j;
}

/* "" as null: a ticket field that is not set. */
static json_t *opt_json(const char *v)
{
	return v == NULL || v[0] == '\0' ? json_null() : text_json(v, strlen(v));
}

/* The length of v's prefix of at most max bytes, not cutting a UTF-8
 * character. */
static size_t utf8_cut(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	/* Trailing blank lines say nothing. */
	while (n > 0 && (v[n - 1] == '\n' || v[n - 1] == '\r' || v[n - 1] == ' ' || v[n - 1] == '\t'))
		n--;
	return n;
}

/* Contract in desk-webhook.h. */
json_t *desk_webhook_message(int64_t message_id, const char *from, const char *subject, const char *text,
			     size_t n_attachments)
{
	json_t *m = json_object();

	json_object_set_new(m, "id", message_id != 0 ? json_integer(message_id) : json_null());
	json_object_set_new(m, "from", opt_json(from));
	json_object_set_new(m, "subject", opt_json(subject));
	json_object_set_new(m, "summary", text != NULL ? text_json(text, utf8_cut(text, SUMMARY_MAX)) : json_null());
	json_object_set_new(m, "attachments", json_integer((json_int_t)n_attachments));
	return m;
}

static const char *const priority_names[] = { "low", "medium", "high", "urgent" };

/* The "ticket" member: what a receiver needs to show or route it. */
static json_t *ticket_json(const struct db_desk_ticket *t)
{
	json_t *j = json_object(), *req = json_object(), *tags = json_array();
	char *copy = xstrdup(t->tags), *save = NULL;

	json_object_set_new(j, "number", json_integer(t->number));
	json_object_set_new(j, "subject", opt_json(t->subject));
	json_object_set_new(j, "status", opt_json(t->status));
	json_object_set_new(j, "priority",
			    json_string(priority_names[t->priority >= 0 && t->priority <= 3 ? t->priority : 0]));
	json_object_set_new(j, "team", opt_json(t->team_name));
	json_object_set_new(j, "assignee", opt_json(t->assignee_email));
	json_object_set_new(req, "email", opt_json(t->requester_email));
	json_object_set_new(req, "name", opt_json(t->requester_name));
	json_object_set_new(j, "requester", req);
	json_object_set_new(j, "order", opt_json(t->order_ref));
	for (char *tag = strtok_r(copy, " ", &save); tag != NULL; tag = strtok_r(NULL, " ", &save))
		json_array_append_new(tags, opt_json(tag));
	json_object_set_new(j, "tags", tags);
	free(copy);
	return j;
}

/* "evt_" and 32 hex digits of randomness: one event, whatever the number
 * of webhooks and replays, so a receiver can drop a repeat. */
static void event_id_make(char out[40])
{
	unsigned char rnd[16];

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		abort(); /* no randomness: as out of memory */
	memcpy(out, "evt_", 4);
	for (size_t i = 0; i < sizeof(rnd); i++)
		snprintf(out + 4 + 2 * i, 3, "%02x", rnd[i]);
}

/* The envelope of every event: type, id, time, tenant. */
static json_t *envelope_json(const char *event, const char *event_id, const char *tenant)
{
	json_t *p = json_object();
	char when[32];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	json_object_set_new(p, "type", json_string(event));
	json_object_set_new(p, "id", json_string(event_id));
	json_object_set_new(p, "occurred_at", json_string(when));
	json_object_set_new(p, "tenant", opt_json(tenant));
	return p;
}

/* Contract in desk-webhook.h. */
int desk_webhook_emit(struct db *db, int64_t tenant_id, const char *event, int64_t ticket_id, json_t *extra,
		      char **error_r)
{
	struct db_desk_ticket t;
	char *tenant = NULL, *text, event_id[40];
	json_t *p;
	int found, ret;

	if ((found = db_webhook_wanted(db, tenant_id, event, &tenant, error_r)) <= 0)
		return found;
	event_id_make(event_id);
	p = envelope_json(event, event_id, tenant);
	free(tenant);
	if (ticket_id != 0) {
		if ((found = db_desk_ticket_get(db, tenant_id, ticket_id, &t, error_r)) < 0) {
			json_decref(p);
			return -1;
		}
		if (found > 0) {
			json_object_set_new(p, "ticket", ticket_json(&t));
			db_desk_ticket_free(&t);
		}
	}
	if (extra != NULL)
		json_object_update(p, extra);
	text = json_dumps(p, JSON_COMPACT | JSON_SORT_KEYS);
	json_decref(p);
	ret = db_webhook_enqueue(db, tenant_id, event, event_id, ticket_id, text, NULL, error_r);
	free(text);
	return ret;
}

/* Which recorded ticket events a webhook hears of, and as what. */
static const struct {
	const char *kind, *event;
} event_map[] = {
	{ "created", "ticket.created" },
	{ "closed", "ticket.status_changed" },
	{ "reopened", "ticket.status_changed" },
	{ "solved", "ticket.status_changed" },
	{ "pending", "ticket.status_changed" },
	{ "woke", "ticket.status_changed" },
	{ "snoozed", "ticket.status_changed" },
	{ "assigned", "ticket.assigned" },
	{ "unassigned", "ticket.assigned" },
};

/* Contract in desk-webhook.h. */
const char *desk_webhook_event_of(const char *kind)
{
	for (size_t i = 0; i < sizeof(event_map) / sizeof(event_map[0]); i++)
		if (strcmp(event_map[i].kind, kind) == 0)
			return event_map[i].event;
	return NULL;
}
