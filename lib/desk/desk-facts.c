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
#include "thread/thread.h"

/* A cell as an owned string ("" for NULL). */
static char *cell(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return xstrdup(v != NULL ? v : "");
}

static int64_t cell_int(const struct db_table *t, size_t row, size_t col)
{
	const char *v = db_table_get(t, row, col);
	return v != NULL ? strtoll(v, NULL, 10) : 0;
}

/* The address a team sends from (see desk.h, shared_domain), computed from
 * the team's oldest alias x (tenant_id, team_id, address, loc, dom) and
 * tenant te; $3 is the shared domain ("" none), $4 the recipient delimiter,
 * which must not occur in a shared address. A tenant name that is no
 * dot-less atom, or that another tenant shares but for case, would make the
 * address ambiguous; so would another team of the tenant whose oldest alias
 * has the same local part (db_alias_lookup() refuses such an address). */
#define SENDING_ADDRESS_SQL \
	"CASE WHEN EXISTS (SELECT 1 FROM sending_domains d WHERE d.tenant_id = x.tenant_id" \
	" AND d.status = 'verified' AND (d.domain = x.dom OR right(x.dom, length(d.domain) + 1) = '.' || d.domain))" \
	" THEN x.address" \
	" WHEN $3 <> '' AND EXISTS (SELECT 1 FROM sending_domains d WHERE d.domain = lower($3) AND d.tenant_id IS NULL)" \
	" AND x.loc ~ '^[a-z0-9!#$%&''*/=?^_`{|}~-]+(\\.[a-z0-9!#$%&''*/=?^_`{|}~-]+)*$'" \
	" AND lower(te.name) ~ '^[a-z0-9!#$%&''*/=?^_`{|}~-]+$'" \
	" AND ($4 = '' OR strpos(x.loc || lower(te.name), $4) = 0)" \
	" AND NOT EXISTS (SELECT 1 FROM tenants o WHERE lower(o.name) = lower(te.name) AND o.id <> te.id)" \
	" AND NOT EXISTS (SELECT 1 FROM team_aliases ot WHERE ot.tenant_id = x.tenant_id AND ot.team_id <> x.team_id" \
	" AND left(ot.address, length(x.loc) + 1) = x.loc || '@' AND NOT EXISTS (SELECT 1 FROM team_aliases p" \
	" WHERE p.tenant_id = ot.tenant_id AND p.team_id = ot.team_id" \
	" AND (p.created_at, p.address) < (ot.created_at, ot.address)))" \
	" THEN x.loc || '.' || lower(te.name) || '@' || lower($3) ELSE x.address END"

int desk_team_address(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      char **address_r, char **error_r)
{
	char tn[24], tm[24], delim[2] = { s != NULL ? s->delimiter : '\0', '\0' };
	const char *shared = s != NULL && s->shared_domain != NULL ? s->shared_domain : "";
	const char *params[4] = { tn, tm, shared, delim };
	struct db_table *res = NULL;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tm, sizeof(tm), "%" PRId64, team_id);
	if (db_exec(db,
		    "SELECT " SENDING_ADDRESS_SQL " FROM (SELECT al.tenant_id, al.team_id, al.address,"
		    " substring(al.address from '^(.*)@') AS loc, substring(al.address from '@([^@]*)$') AS dom"
		    " FROM team_aliases al WHERE al.tenant_id = $1 AND al.team_id = $2"
		    " ORDER BY al.created_at, al.address LIMIT 1) x JOIN tenants te ON te.id = x.tenant_id",
		    4, params, &res, error_r) < 0)
		return -1;
	*address_r = res->n_rows > 0 ? cell(res, 0, 0) : xstrdup("");
	db_table_free(&res);
	return 0;
}

int desk_ticket_load(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		     struct desk_ticket *t, char **error_r)
{
	char tn[24], tk[24];
	const char *params[2] = { tn, tk };
	struct db_table *res = NULL;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	if (db_exec(db,
		    "SELECT t.id, t.number, t.team_id, coalesce(t.assignee_id, 0), t.priority, t.subject, t.status,"
		    " tm.name, tm.sender_name_format, coalesce(a.email, ''), coalesce(a.name, ''), c.email,"
		    " coalesce(c.name, ''), coalesce((SELECT string_agg(g.tag, ' ' ORDER BY g.tag)"
		    " FROM ticket_tags g WHERE g.tenant_id = t.tenant_id AND g.ticket_id = t.id), ''),"
		    " te.subject_tag_format"
		    " FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"
		    " JOIN tenants te ON te.id = t.tenant_id"
		    " JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"
		    " LEFT JOIN agents a ON a.tenant_id = t.tenant_id AND a.id = t.assignee_id"
		    " WHERE t.tenant_id = $1 AND t.id = $2",
		    2, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows == 0) {
		db_table_free(&res);
		*error_r = xasprintf("ticket %" PRId64 " not found", ticket_id);
		return -1;
	}
	*t = (struct desk_ticket){
		.id = cell_int(res, 0, 0), .number = cell_int(res, 0, 1), .team_id = cell_int(res, 0, 2),
		.assignee_id = cell_int(res, 0, 3), .priority = (int)cell_int(res, 0, 4),
		.subject = cell(res, 0, 5), .status = cell(res, 0, 6), .team_name = cell(res, 0, 7),
		.sender_name_format = cell(res, 0, 8), .assignee_email = cell(res, 0, 9),
		.assignee_name = cell(res, 0, 10), .requester_email = cell(res, 0, 11),
		.requester_name = cell(res, 0, 12), .tags = cell(res, 0, 13), .subject_tag_format = cell(res, 0, 14),
	};
	db_table_free(&res);
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
	memset(t, 0, sizeof(*t));
}

#define AGENT_COLS "SELECT a.id, a.email, a.name, a.status, a.signature, a.notify_offline FROM agents a"

/* Fills one agent from a row of AGENT_COLS. */
static void agent_from_row(const struct db_table *res, size_t row, struct desk_agent *a)
{
	a->id = cell_int(res, row, 0);
	a->email = cell(res, row, 1);
	a->name = cell(res, row, 2);
	a->status = cell(res, row, 3);
	a->signature = cell(res, row, 4);
	a->notify_offline = strcmp(db_table_get(res, row, 5), "t") == 0;
}

int desk_agent_load(struct db *db, int64_t tenant_id, int64_t agent_id, struct desk_agent *a, char **error_r)
{
	char tn[24], ag[24];
	const char *params[2] = { tn, ag };
	struct db_table *res = NULL;
	int found;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(ag, sizeof(ag), "%" PRId64, agent_id);
	if (db_exec(db, AGENT_COLS " WHERE a.tenant_id = $1 AND a.id = $2", 2, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		agent_from_row(res, 0, a);
	db_table_free(&res);
	return found;
}

int desk_team_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct desk_agent **agents_r, size_t *n_r,
		     char **error_r)
{
	char tn[24], tm[24];
	const char *params[2] = { tn, tm };
	struct db_table *res = NULL;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tm, sizeof(tm), "%" PRId64, team_id);
	if (db_exec(db,
		    AGENT_COLS " JOIN team_agents ta ON ta.tenant_id = a.tenant_id AND ta.agent_id = a.id"
			       " WHERE ta.tenant_id = $1 AND ta.team_id = $2 ORDER BY a.email",
		    2, params, &res, error_r) < 0)
		return -1;
	*n_r = res->n_rows;
	*agents_r = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(**agents_r));
	for (size_t i = 0; i < res->n_rows; i++)
		agent_from_row(res, i, &(*agents_r)[i]);
	db_table_free(&res);
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
