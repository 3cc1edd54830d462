/* Chat transcripts and shop events as JSON (contracts in intake.h): read
 * strictly (unknown keys refused, every string checked), so a mistake in
 * the sender's integration is named rather than guessed at. */
#include "config.h"
#include "intake/intake.h"
#include "intake/intake-private.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/orderref.h"
#include "base/xalloc.h"

/* The JSON document: an object, or NULL with *error_r. */
static json_t *load_object(const char *json, size_t len, char **error_r)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);

	if (root == NULL) {
		*error_r = xasprintf("not valid JSON: %s (line %d, column %d)", je.text, je.line, je.column);
		return NULL;
	}
	if (!json_is_object(root)) {
		json_decref(root);
		*error_r = xstrdup("the body must be a JSON object");
		return NULL;
	}
	return root;
}

/* Whether every key of o is in the NULL-terminated list; else *error_r names it. */
static bool keys_known(json_t *o, const char *where, const char *const *known, char **error_r)
{
	const char *key;
	json_t *v;

	json_object_foreach (o, key, v) {
		size_t i = 0;

		while (known[i] != NULL && strcmp(known[i], key) != 0)
			i++;
		if (known[i] == NULL) {
			char name[41];

			snprintf(name, sizeof(name), "%s", key);
			intake_text_sanitise_name(name);
			*error_r = xasprintf("%s%s\"%s\": unknown member", where, where[0] != '\0' ? "." : "", name);
			return false;
		}
	}
	return true;
}

/* A string member: 1 found (*out malloc'd), 0 absent or null (*out ""),
 * -1 wrong (*error_r): not a string, too long, not text of its kind. */
static int str_member(json_t *o, const char *where, const char *key, size_t max, bool multiline, char **out,
		      char **error_r)
{
	json_t *v = json_object_get(o, key);
	const char *s;
	size_t len;

	*out = xstrdup("");
	if (v == NULL || json_is_null(v))
		return 0;
	if (!json_is_string(v)) {
		*error_r = xasprintf("%s%s: must be a string", where, key);
		return -1;
	}
	s = json_string_value(v);
	len = json_string_length(v);
	if (len > max || !intake_text_valid(s, len, multiline)) {
		*error_r = xasprintf("%s%s: must be %s UTF-8 text of at most %zu bytes without control characters",
				     where, key, multiline ? "" : "one line of", max);
		return -1;
	}
	free(*out);
	*out = xstrndup(s, len);
	return 1;
}

/* A string member that must be there and not empty. */
static int str_required(json_t *o, const char *where, const char *key, size_t max, bool multiline, char **out,
			char **error_r)
{
	int found = str_member(o, where, key, max, multiline, out, error_r);

	if (found == 0 || (found > 0 && (*out)[0] == '\0')) {
		*error_r = xasprintf("%s%s: required", where, key);
		return -1;
	}
	return found;
}

/* ---- Chat transcripts ---- */

/* One participant of participants[i]. */
static int participant_read(json_t *o, size_t i, struct intake_chat_participant *p, char **error_r)
{
	static const char *const known[] = { "id", "role", "name", "email", NULL };
	char where[48];

	snprintf(where, sizeof(where), "participants[%zu]", i);
	if (!json_is_object(o)) {
		*error_r = xasprintf("%s: must be an object", where);
		return -1;
	}
	if (!keys_known(o, where, known, error_r))
		return -1;
	strcat(where, ".");
	if (str_required(o, where, "id", 200, false, &p->id, error_r) < 0 ||
	    str_required(o, where, "role", 20, false, &p->role, error_r) < 0 ||
	    str_member(o, where, "name", 200, false, &p->name, error_r) < 0 ||
	    str_member(o, where, "email", 254, false, &p->email, error_r) < 0)
		return -1;
	if (strcmp(p->role, "customer") != 0 && strcmp(p->role, "agent") != 0 && strcmp(p->role, "bot") != 0) {
		*error_r = xasprintf("%srole: customer, agent or bot", where);
		return -1;
	}
	if (p->email[0] != '\0' && !intake_email_valid(p->email, strlen(p->email))) {
		*error_r = xasprintf("%semail: not an e-mail address", where);
		return -1;
	}
	return 0;
}

/* The participants: ids unique, exactly one customer with an address. */
static int participants_read(json_t *arr, struct intake_chat *c, char **error_r)
{
	size_t n = json_array_size(arr), customers = 0;

	if (!json_is_array(arr) || n == 0 || n > 100) {
		*error_r = xstrdup("participants: an array of 1-100 objects");
		return -1;
	}
	c->participants = xcalloc(n, sizeof(*c->participants));
	for (size_t i = 0; i < n; i++) {
		c->n_participants = i + 1;
		if (participant_read(json_array_get(arr, i), i, &c->participants[i], error_r) < 0)
			return -1;
		for (size_t j = 0; j < i; j++) {
			if (strcmp(c->participants[j].id, c->participants[i].id) == 0) {
				*error_r = xasprintf("participants[%zu].id: used twice", i);
				return -1;
			}
		}
		if (strcmp(c->participants[i].role, "customer") == 0) {
			customers++;
			c->customer = &c->participants[i];
		}
	}
	if (customers != 1 || c->customer->email[0] == '\0') {
		*error_r = xstrdup(customers != 1 ? "participants: exactly one has the role customer"
						  : "participants: the customer needs an email (the ticket's requester)");
		return -1;
	}
	return 0;
}

/* The participant named id, NULL when none. */
static const struct intake_chat_participant *participant_find(const struct intake_chat *c, const char *id)
{
	for (size_t i = 0; i < c->n_participants; i++) {
		if (strcmp(c->participants[i].id, id) == 0)
			return &c->participants[i];
	}
	return NULL;
}

/* The messages, each from a participant. */
static int messages_read(json_t *arr, struct intake_chat *c, char **error_r)
{
	static const char *const known[] = { "from", "at", "text", NULL };
	size_t n = json_array_size(arr);

	if (!json_is_array(arr) || n == 0 || n > INTAKE_CHAT_MESSAGES_MAX) {
		*error_r = xasprintf("messages: an array of 1-%d objects", INTAKE_CHAT_MESSAGES_MAX);
		return -1;
	}
	c->messages = xcalloc(n, sizeof(*c->messages));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_array_get(arr, i);
		struct intake_chat_message *m = &c->messages[i];
		char where[48];

		c->n_messages = i + 1;
		snprintf(where, sizeof(where), "messages[%zu]", i);
		if (!json_is_object(o)) {
			*error_r = xasprintf("%s: must be an object", where);
			return -1;
		}
		if (!keys_known(o, where, known, error_r))
			return -1;
		strcat(where, ".");
		if (str_required(o, where, "from", 200, false, &m->author, error_r) < 0 ||
		    str_member(o, where, "at", 64, false, &m->at, error_r) < 0 ||
		    str_required(o, where, "text", INTAKE_VALUE_MAX, true, &m->text, error_r) < 0)
			return -1;
		if (participant_find(c, m->author) == NULL) {
			*error_r = xasprintf("%sfrom: no participant has this id", where);
			return -1;
		}
	}
	return 0;
}

/* Contract in intake.h. */
int intake_chat_parse(const char *json, size_t len, struct intake_chat *c, char **error_r)
{
	static const char *const known[] = { "chat_id", "subject", "participants", "messages", NULL };
	json_t *root;
	int ret = -1;

	memset(c, 0, sizeof(*c));
	if ((root = load_object(json, len, error_r)) == NULL)
		return -1;
	if (keys_known(root, "", known, error_r) &&
	    str_required(root, "", "chat_id", 200, false, &c->id, error_r) > 0 &&
	    str_member(root, "", "subject", 200, false, &c->subject, error_r) >= 0 &&
	    participants_read(json_object_get(root, "participants"), c, error_r) == 0 &&
	    messages_read(json_object_get(root, "messages"), c, error_r) == 0)
		ret = 0;
	json_decref(root);
	return ret;
}

/* Contract in intake.h. */
void intake_chat_free(struct intake_chat *c)
{
	for (size_t i = 0; i < c->n_participants; i++) {
		free(c->participants[i].id);
		free(c->participants[i].name);
		free(c->participants[i].email);
		free(c->participants[i].role);
	}
	for (size_t i = 0; i < c->n_messages; i++) {
		free(c->messages[i].author);
		free(c->messages[i].at);
		free(c->messages[i].text);
	}
	free(c->participants);
	free(c->messages);
	free(c->id);
	free(c->subject);
	memset(c, 0, sizeof(*c));
}

/* Contract in intake.h. */
char *intake_chat_text(const struct intake_chat *c, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "Chat %s\n\n", c->id);
	for (size_t i = 0; i < c->n_messages; i++) {
		const struct intake_chat_message *m = &c->messages[i];
		const struct intake_chat_participant *p = participant_find(c, m->author);
		const char *who = p != NULL && p->name[0] != '\0' ? p->name : m->author;

		if (m->at[0] != '\0')
			buf_printf(&b, "[%s] ", m->at);
		buf_printf(&b, "%s (%s):\n%s\n\n", who, p != NULL ? p->role : "?", m->text);
	}
	return buf_steal(&b, len_r);
}

/* ---- Shop events ---- */

/* Contract in intake.h. */
bool intake_event_type_valid(const char *type)
{
	size_t len = strlen(type);
	bool start = true;

	if (len == 0 || len > 64)
		return false;
	for (size_t i = 0; i < len; i++) {
		char ch = type[i];

		if (start && !(ch >= 'a' && ch <= 'z'))
			return false;
		if (ch == '.') {
			start = true;
			continue;
		}
		if (!((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_'))
			return false;
		start = false;
	}
	return !start;
}

/* The customer object: email required. */
static int customer_read(json_t *o, struct intake_event *e, char **error_r)
{
	static const char *const known[] = { "email", "name", NULL };

	if (!json_is_object(o)) {
		*error_r = xstrdup(o == NULL ? "customer: required" : "customer: must be an object");
		return -1;
	}
	if (!keys_known(o, "customer", known, error_r) ||
	    str_required(o, "customer.", "email", 254, false, &e->email, error_r) < 0 ||
	    str_member(o, "customer.", "name", 200, false, &e->name, error_r) < 0)
		return -1;
	if (!intake_email_valid(e->email, strlen(e->email))) {
		*error_r = xstrdup("customer.email: not an e-mail address");
		return -1;
	}
	return 0;
}

/* The members that are plain strings, and the rating. */
static int event_members(json_t *root, struct intake_event *e, char **error_r)
{
	json_t *rating = json_object_get(root, "rating");
	const char *why;

	if (str_required(root, "", "type", 64, false, &e->type, error_r) < 0 ||
	    str_member(root, "", "id", 200, false, &e->id, error_r) < 0 ||
	    str_required(root, "", "order", 200, false, &e->order, error_r) < 0 ||
	    str_member(root, "", "message", INTAKE_VALUE_MAX, true, &e->message, error_r) < 0 ||
	    str_member(root, "", "comment", INTAKE_VALUE_MAX, true, &e->comment, error_r) < 0 ||
	    str_member(root, "", "occurred_at", 64, false, &e->occurred_at, error_r) < 0)
		return -1;
	if (!intake_event_type_valid(e->type)) {
		*error_r = xstrdup("type: lower-case words separated by dots (order.action_required)");
		return -1;
	}
	if ((why = orderref_check(e->order, strlen(e->order))) != NULL) {
		*error_r = xasprintf("order: %s", why);
		return -1;
	}
	if (rating != NULL && !json_is_null(rating) &&
	    (!json_is_integer(rating) || json_integer_value(rating) < 1 || json_integer_value(rating) > 5)) {
		*error_r = xstrdup("rating: an integer from 1 to 5");
		return -1;
	}
	e->rating = rating != NULL && json_is_integer(rating) ? (int)json_integer_value(rating) : 0;
	return 0;
}

/* Contract in intake.h. */
int intake_event_parse(const char *json, size_t len, struct intake_event *e, char **error_r)
{
	static const char *const known[] = { "type", "id", "order", "customer", "message", "comment", "rating",
					     "occurred_at", NULL };
	json_t *root;
	int ret = -1;

	memset(e, 0, sizeof(*e));
	if ((root = load_object(json, len, error_r)) == NULL)
		return -1;
	if (keys_known(root, "", known, error_r) && event_members(root, e, error_r) == 0 &&
	    customer_read(json_object_get(root, "customer"), e, error_r) == 0)
		ret = 0;
	json_decref(root);
	return ret;
}

/* Contract in intake.h. */
void intake_event_free(struct intake_event *e)
{
	free(e->type);
	free(e->id);
	free(e->order);
	free(e->email);
	free(e->name);
	free(e->message);
	free(e->comment);
	free(e->occurred_at);
	memset(e, 0, sizeof(*e));
}

/* Contract in intake.h. */
char *intake_event_text(const struct intake_event *e, size_t *len_r)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "Event: %s\nOrder: %s\nCustomer: %s%s%s%s\n", e->type, e->order, e->name,
		   e->name[0] != '\0' ? " <" : "", e->email, e->name[0] != '\0' ? ">" : "");
	if (e->id[0] != '\0')
		buf_printf(&b, "Event id: %s\n", e->id);
	if (e->occurred_at[0] != '\0')
		buf_printf(&b, "Occurred: %s\n", e->occurred_at);
	if (e->rating > 0)
		buf_printf(&b, "Rating: %d of 5\n", e->rating);
	if (e->comment[0] != '\0')
		buf_printf(&b, "\nComment:\n%s\n", e->comment);
	if (e->message[0] != '\0')
		buf_printf(&b, "\n%s\n", e->message);
	return buf_steal(&b, len_r);
}
