/* Reading what lib/desk needs about tickets and agents. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "base/xalloc.h"
#include "db/db-desk-facts.h"
#include "db/db-desk-team.h"
#include "thread/thread.h"

int desk_team_address(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      char **address_r, char **error_r)
{
	return db_desk_team_address(db, tenant_id, team_id, s != NULL ? s->shared_domain : NULL,
				    s != NULL ? s->delimiter : '\0', address_r, error_r);
}

int desk_ticket_load(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		     struct desk_ticket *t, char **error_r)
{
	struct db_desk_ticket r;
	int found = db_desk_ticket_get(db, tenant_id, ticket_id, &r, error_r);

	if (found <= 0) {
		if (found == 0)
			*error_r = xasprintf("ticket %" PRId64 " not found", ticket_id);
		return -1;
	}
	/* The strings move over: r is not freed. */
	*t = (struct desk_ticket){
		.id = r.id, .number = r.number, .team_id = r.team_id, .assignee_id = r.assignee_id,
		.priority = r.priority, .subject = r.subject, .status = r.status, .team_name = r.team_name,
		.sender_name_format = r.sender_name_format, .assignee_email = r.assignee_email,
		.assignee_name = r.assignee_name, .requester_email = r.requester_email,
		.requester_name = r.requester_name, .tags = r.tags, .subject_tag_format = r.subject_tag_format,
		.order_ref = r.order_ref, .shipment_ref = r.shipment_ref, .sku = r.sku,
	};
	if (desk_team_address(db, s, tenant_id, t->team_id, &t->team_alias, error_r) < 0) {
		desk_ticket_free(t);
		return -1;
	}
	return 0;
}

void desk_ticket_free(struct desk_ticket *t)
{
	free(t->subject);
	free(t->status);
	free(t->team_name);
	free(t->team_alias);
	free(t->sender_name_format);
	free(t->assignee_email);
	free(t->assignee_name);
	free(t->requester_email);
	free(t->requester_name);
	free(t->tags);
	free(t->subject_tag_format);
	free(t->order_ref);
	free(t->shipment_ref);
	free(t->sku);
	memset(t, 0, sizeof(*t));
}

/* lib/db's agent as lib/desk's (the strings move over). */
static void agent_take(struct db_desk_agent *from, struct desk_agent *a)
{
	*a = (struct desk_agent){ .id = from->id, .email = from->email, .name = from->name, .status = from->status,
				  .signature = from->signature, .notify_offline = from->notify_offline };
	memset(from, 0, sizeof(*from));
}

int desk_agent_load(struct db *db, int64_t tenant_id, int64_t agent_id, struct desk_agent *a, char **error_r)
{
	struct db_desk_agent r;
	int found = db_desk_agent_get(db, tenant_id, agent_id, &r, error_r);

	if (found > 0)
		agent_take(&r, a);
	return found;
}

int desk_team_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct desk_agent **agents_r, size_t *n_r,
		     char **error_r)
{
	struct db_desk_agent *rows = NULL;
	size_t n = 0;

	if (db_desk_team_agents(db, tenant_id, team_id, &rows, &n, error_r) < 0)
		return -1;
	*n_r = n;
	*agents_r = xcalloc(n ? n : 1, sizeof(**agents_r));
	for (size_t i = 0; i < n; i++)
		agent_take(&rows[i], &(*agents_r)[i]);
	db_desk_agents_free(&rows, n);
	return 0;
}

void desk_agent_free(struct desk_agent *a)
{
	free(a->email);
	free(a->name);
	free(a->status);
	free(a->signature);
	memset(a, 0, sizeof(*a));
}

void desk_agents_free(struct desk_agent **agents, size_t n)
{
	for (size_t i = 0; i < n; i++)
		desk_agent_free(&(*agents)[i]);
	free(*agents);
	*agents = NULL;
}

const char *desk_priority_name(int priority)
{
	static const char *const names[] = { "low", "medium", "high", "urgent" };
	return priority >= 0 && priority <= 3 ? names[priority] : "medium";
}

/* A fresh nonce of the token alphabet (a-z2-7) for each notification. */
static void agent_nonce(char nonce[THREAD_AGENT_NONCE_CHARS + 1])
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
	unsigned char rnd[THREAD_AGENT_NONCE_CHARS];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort(); /* the kernel's random source never fails for 6 bytes */
	for (size_t i = 0; i < sizeof(rnd); i++)
		nonce[i] = alphabet[rnd[i] & 31];
	nonce[THREAD_AGENT_NONCE_CHARS] = '\0';
}

/* Contract in desk-private.h: an agent's address carries an issue time and
 * a nonce, so it expires (agent_token_lifetime); the customer's does not. */
char *desk_reply_address(const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			 int64_t agent_id)
{
	struct thread_token tok = { .ticket_number = t->number };
	const char *at = strrchr(t->team_alias, '@');
	char token[96], nonce[THREAD_AGENT_NONCE_CHARS + 1];

	if (agent_id != 0) {
		agent_nonce(nonce);
		thread_agent_token_make(s->secret, tenant_id, t->number, agent_id, (int64_t)time(NULL), nonce, token,
					sizeof(token));
	} else {
		thread_token_make(s->secret, tenant_id, &tok, token, sizeof(token));
	}
	if (at == NULL || token[0] == '\0' || s->delimiter == '\0')
		return xstrdup(t->team_alias);
	return xasprintf("%.*s%c%s%s", (int)(at - t->team_alias), t->team_alias, s->delimiter, token, at);
}

char *desk_message_id(const struct desk_settings *s, int64_t tenant_id, int64_t ticket_number)
{
	static const char alphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
	unsigned char rnd[12];
	char nonce[13], out[256];

	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd))
		abort(); /* the kernel's random source never fails for 12 bytes */
	for (size_t i = 0; i < sizeof(rnd); i++)
		nonce[i] = alphabet[rnd[i] % (sizeof(alphabet) - 1)];
	nonce[sizeof(rnd)] = '\0';
	thread_msgid_make(s->secret, tenant_id, ticket_number, nonce, s->hostname, out, sizeof(out));
	if (out[0] == '\0') /* no secret: still unique, just not signed */
		snprintf(out, sizeof(out), "md.%" PRId64 ".%s@%s", ticket_number, nonce, s->hostname);
	return xstrdup(out);
}

char *desk_subject(const struct desk_ticket *t, const char *prefix)
{
	char tag[96];
	int64_t found;

	if (thread_subject_tag_find(t->subject_tag_format, t->subject, &found) == 1 && found == t->number)
		return xasprintf("%s%s", prefix, t->subject);
	if (thread_subject_tag_make(t->subject_tag_format, t->number, tag, sizeof(tag)) < 0)
		snprintf(tag, sizeof(tag), "[#%" PRId64 "]", t->number);
	return xasprintf("%s%s %s", prefix, tag, t->subject);
}
