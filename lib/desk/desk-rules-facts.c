/* The facts a rule sees, read from the database in two statements: the
 * ticket (with its team, tags, the requester's other open tickets and
 * whether the team is in business hours now), and the message with its
 * attachments. Without a message the requester stands for the sender and
 * the team's alias for the recipient. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/xalloc.h"

struct facts_priv {
	struct db_table *ticket, *msg;
	char *header_copy;
	struct mime_field *fields;
	struct rules_header *headers;
	struct rules_attachment *attachments;
	char *tags_copy;
	const char **tags;
	struct desk_rules_ticket tk;
};

/* Columns of the ticket statement. */
enum { TK_TEAM_ID, TK_TEAM, TK_STATUS, TK_PRIORITY, TK_ASSIGNEE, TK_REQUESTER, TK_SUBJECT, TK_OTHERS,
       TK_HOURS, TK_TAGS, TK_ALIAS };

static int ticket_query(struct db *db, const char *tn, const char *tk, struct db_table **res_r, char **error_r)
{
	const char *params[2] = { tn, tk };

	if (db_exec(db,
		    "SELECT t.team_id, tm.name, t.status, t.priority, coalesce(a.email, ''), c.email,"
		    " t.subject, (SELECT count(*) FROM tickets o WHERE o.tenant_id = t.tenant_id"
		    " AND o.requester_id = t.requester_id AND o.id <> t.id AND o.status IN ('open', 'pending', 'snoozed')),"
		    " md_in_business_hours(t.tenant_id, t.team_id, now()),"
		    " coalesce((SELECT string_agg(g.tag, ' ' ORDER BY g.tag) FROM ticket_tags g"
		    " WHERE g.tenant_id = t.tenant_id AND g.ticket_id = t.id), ''),"
		    " coalesce((SELECT al.address FROM team_aliases al WHERE al.tenant_id = t.tenant_id"
		    " AND al.team_id = t.team_id ORDER BY al.created_at, al.address LIMIT 1), '')"
		    " FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"
		    " JOIN contacts c ON c.tenant_id = t.tenant_id AND c.id = t.requester_id"
		    " LEFT JOIN agents a ON a.tenant_id = t.tenant_id AND a.id = t.assignee_id"
		    " WHERE t.tenant_id = $1 AND t.id = $2",
		    2, params, res_r, error_r) < 0)
		return -1;
	if ((*res_r)->n_rows == 0) {
		db_table_free(res_r);
		*error_r = xasprintf("ticket %s not found", tk);
		return -1;
	}
	return 0;
}

/* Columns of the message statement: row 0 the message (kind 0), then its
 * attachments (kind 1: filename in MS_FROM, type in MS_RCPT). */
enum { MS_KIND, MS_ORDER, MS_FROM, MS_RCPT, MS_SUBJECT, MS_BODY, MS_HEADERS, MS_ENVELOPE, MS_FROM_ADDR };

static int message_query(struct db *db, const char *tn, const char *ms, struct db_table **res_r, char **error_r)
{
	const char *params[2] = { tn, ms };

	if (db_exec(db,
		    "SELECT 0 AS k, 0::bigint AS o, coalesce(nullif(lower(m.from_addr), ''), lower(m.envelope_from)),"
		    " m.rcpt, m.subject, m.text_body, m.headers, m.envelope_from, m.from_addr"
		    " FROM messages m WHERE m.tenant_id = $1 AND m.id = $2"
		    " UNION ALL SELECT 1, a.id, a.filename, a.content_type, NULL, NULL, NULL, NULL, NULL"
		    " FROM attachments a WHERE a.tenant_id = $1 AND a.message_id = $2 ORDER BY 1, 2",
		    2, params, res_r, error_r) < 0)
		return -1;
	if ((*res_r)->n_rows == 0 || strcmp(db_table_get(*res_r, 0, MS_KIND), "0") != 0) {
		db_table_free(res_r);
		*error_r = xasprintf("message %s not found", ms);
		return -1;
	}
	return 0;
}

/* The header fields (lib/mime's split: unfolded, trimmed; not
 * RFC 2047-decoded) and whether an automatic answer is allowed. */
static void message_headers(struct facts_priv *p, struct rules_facts *f)
{
	const struct db_table *res = p->msg;
	const char *why = NULL;
	size_t n;

	p->header_copy = mime_fields_split(db_table_get(res, 0, MS_HEADERS), &p->fields, &n);
	p->headers = xcalloc(n + 1, sizeof(*p->headers));
	for (size_t i = 0; i < n; i++)
		p->headers[i] = (struct rules_header){ p->fields[i].name, p->fields[i].value };
	f->headers = p->headers;
	f->n_headers = n;
	struct agent_mail_facts mf = {
		.envelope_sender = db_table_get(res, 0, MS_ENVELOPE), .headers = p->fields, .headers_count = n,
		.from_address = db_table_get(res, 0, MS_FROM_ADDR),
	};
	p->tk.may_autoreply = agent_may_autoreply(&mf, &why);
	p->tk.why_not = why;
}

/* The message's part of the facts. */
static void message_facts(struct facts_priv *p, struct rules_facts *f)
{
	const struct db_table *res = p->msg;
	size_t n_att = res->n_rows - 1;

	f->from = db_table_get(res, 0, MS_FROM);
	f->to = db_table_get(res, 0, MS_RCPT);
	f->subject = db_table_get(res, 0, MS_SUBJECT);
	f->body = db_table_get(res, 0, MS_BODY);
	message_headers(p, f);
	p->attachments = xcalloc(n_att + 1, sizeof(*p->attachments));
	for (size_t i = 0; i < n_att; i++)
		p->attachments[i] = (struct rules_attachment){ db_table_get(res, i + 1, MS_FROM),
								db_table_get(res, i + 1, MS_RCPT) };
	f->attachments = p->attachments;
	f->n_attachments = n_att;
}

/* The ticket's part of the facts (and the message's defaults). */
static void ticket_facts(struct facts_priv *p, struct rules_facts *f)
{
	const struct db_table *res = p->ticket;
	size_t n = 0;

	p->tk.team_id = strtoll(db_table_get(res, 0, TK_TEAM_ID), NULL, 10);
	p->tk.may_autoreply = true;
	f->team = db_table_get(res, 0, TK_TEAM);
	f->status = db_table_get(res, 0, TK_STATUS);
	f->priority = atoi(db_table_get(res, 0, TK_PRIORITY));
	f->assignee = db_table_get(res, 0, TK_ASSIGNEE);
	f->from = db_table_get(res, 0, TK_REQUESTER);
	f->subject = db_table_get(res, 0, TK_SUBJECT);
	f->customer_open_tickets = (unsigned)strtoul(db_table_get(res, 0, TK_OTHERS), NULL, 10);
	f->business_hours = strcmp(db_table_get(res, 0, TK_HOURS), "t") == 0;
	f->to = db_table_get(res, 0, TK_ALIAS);
	f->body = "";
	p->tags_copy = xstrdup(db_table_get(res, 0, TK_TAGS));
	p->tags = xcalloc(strlen(p->tags_copy) / 2 + 2, sizeof(*p->tags));
	for (char *save = NULL, *tok = strtok_r(p->tags_copy, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		p->tags[n++] = tok;
	f->tags = p->tags;
	f->n_tags = n;
}

/* Events no mail caused (a wake-up, a breach, a tag, an external event)
 * see the ticket's latest customer mail: its id into ms ("0": none). */
static int latest_customer_mail(struct db *db, const char *tn, const char *tk, char *ms, size_t size,
				char **error_r)
{
	const char *params[2] = { tn, tk };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT id FROM messages WHERE tenant_id = $1 AND ticket_id = $2 AND direction = 'in'"
		    " AND kind = 'customer' ORDER BY received_at DESC, id DESC LIMIT 1",
		    2, params, &res, error_r) < 0)
		return -1;
	snprintf(ms, size, "%s", res->n_rows > 0 ? db_table_get(res, 0, 0) : "0");
	db_table_free(&res);
	return 0;
}

int desk_rules_facts_load(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id,
			  enum rules_event ev, struct desk_rules_facts_store *store, char **error_r)
{
	struct facts_priv *p = xcalloc(1, sizeof(*p));
	char tn[24], tk[24], ms[24];

	memset(store, 0, sizeof(*store));
	store->priv = p;
	store->facts.event = ev;
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	snprintf(ms, sizeof(ms), "%" PRId64, message_id);
	if (ticket_query(db, tn, tk, &p->ticket, error_r) < 0 ||
	    (message_id == 0 && latest_customer_mail(db, tn, tk, ms, sizeof(ms), error_r) < 0) ||
	    (strcmp(ms, "0") != 0 && message_query(db, tn, ms, &p->msg, error_r) < 0)) {
		desk_rules_facts_free(store);
		return -1;
	}
	ticket_facts(p, &store->facts);
	if (p->msg != NULL)
		message_facts(p, &store->facts);
	return 0;
}

const struct desk_rules_ticket *desk_rules_facts_ticket(const struct desk_rules_facts_store *store)
{
	return &((const struct facts_priv *)store->priv)->tk;
}

void desk_rules_facts_free(struct desk_rules_facts_store *store)
{
	struct facts_priv *p = store->priv;

	if (p != NULL) {
		db_table_free(&p->ticket);
		db_table_free(&p->msg);
		free(p->header_copy);
		free(p->fields);
		free(p->headers);
		free(p->attachments);
		free(p->tags_copy);
		free(p->tags);
		free(p);
	}
	memset(store, 0, sizeof(*store));
}
