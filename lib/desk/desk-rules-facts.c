/* The facts a rule sees: the ticket (with its team, tags, the requester's
 * other open tickets and whether the team is in business hours now) and
 * the message with its attachments, read through lib/db. The message's
 * header fields come from memory when the rules run on a delivery (parsed
 * once by lib/mime), else they are split from the stored header block.
 * Without a message the requester stands for the sender and the team's
 * alias for the recipient. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/xalloc.h"
#include "db/db-desk-rules.h"
#include "mime/mime-fields.h"

struct facts_priv {
	struct db_rules_ticket ticket;
	struct db_rules_message msg;
	bool have_msg;
	char *header_copy;          /* owns split_fields' strings */
	struct mime_field *split_fields;
	struct rules_header *headers;
	struct rules_attachment *attachments;
	char *tags_copy;
	const char **tags;
	struct desk_rules_ticket tk;
};

/* The header fields (lib/mime's: unfolded, trimmed; not RFC 2047-decoded)
 * and whether an automatic answer is allowed. fields NULL: split the
 * stored block. */
static void message_headers(struct facts_priv *p, const struct mime_field *fields, size_t n, struct rules_facts *f)
{
	const char *why = NULL;

	if (fields == NULL) {
		p->header_copy = mime_fields_split(p->msg.headers, &p->split_fields, &n);
		fields = p->split_fields;
	}
	p->headers = xcalloc(n + 1, sizeof(*p->headers));
	for (size_t i = 0; i < n; i++)
		p->headers[i] = (struct rules_header){ fields[i].name, fields[i].value };
	f->headers = p->headers;
	f->n_headers = n;
	struct agent_mail_facts mf = {
		.envelope_sender = p->msg.envelope_from, .headers = fields, .headers_count = n,
		.from_address = p->msg.from_addr,
	};
	p->tk.may_autoreply = agent_may_autoreply(&mf, &why);
	p->tk.why_not = why;
}

/* The message's part of the facts. */
static void message_facts(struct facts_priv *p, const struct mime_field *fields, size_t n_fields,
			  struct rules_facts *f)
{
	const struct db_rules_message *m = &p->msg;

	f->from = m->from;
	f->to = m->rcpt;
	f->subject = m->subject;
	f->body = m->body;
	message_headers(p, fields, n_fields, f);
	p->attachments = xcalloc(m->n_attachments + 1, sizeof(*p->attachments));
	for (size_t i = 0; i < m->n_attachments; i++)
		p->attachments[i] = (struct rules_attachment){ m->attachments[i].filename,
								m->attachments[i].content_type };
	f->attachments = p->attachments;
	f->n_attachments = m->n_attachments;
}

/* The ticket's part of the facts (and the message's defaults). */
static void ticket_facts(struct facts_priv *p, struct rules_facts *f)
{
	const struct db_rules_ticket *t = &p->ticket;
	size_t n = 0;

	p->tk.team_id = t->team_id;
	p->tk.may_autoreply = true;
	f->team = t->team;
	f->status = t->status;
	f->priority = t->priority;
	f->assignee = t->assignee;
	f->order = t->order;
	f->from = t->requester;
	f->subject = t->subject;
	f->customer_open_tickets = t->others_open;
	f->business_hours = t->business_hours;
	f->to = t->alias;
	f->reason = t->reason;
	f->event_type = t->event_type;
	f->body = "";
	p->tags_copy = xstrdup(t->tags);
	p->tags = xcalloc(strlen(p->tags_copy) / 2 + 2, sizeof(*p->tags));
	for (char *save = NULL, *tok = strtok_r(p->tags_copy, " ", &save); tok != NULL;
	     tok = strtok_r(NULL, " ", &save))
		p->tags[n++] = tok;
	f->tags = p->tags;
	f->n_tags = n;
}

/* Reads the ticket and the message into p. Events no mail caused (a
 * wake-up, a breach, a tag, an external event: message_id 0) see the
 * ticket's latest customer mail, from storage. */
static int facts_read(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id, bool in_memory,
		      struct facts_priv *p, char **error_r)
{
	int r;

	if ((r = db_rules_ticket_get(db, tenant_id, ticket_id, &p->ticket, error_r)) <= 0) {
		if (r == 0)
			*error_r = xasprintf("ticket %" PRId64 " not found", ticket_id);
		return -1;
	}
	if (message_id == 0) {
		in_memory = false;
		if ((r = db_rules_latest_customer_mail(db, tenant_id, ticket_id, &message_id, error_r)) < 0)
			return -1;
		if (r == 0)
			return 0;
	}
	if ((r = db_rules_message_get(db, tenant_id, message_id, !in_memory, &p->msg, error_r)) <= 0) {
		if (r == 0)
			*error_r = xasprintf("message %" PRId64 " not found", message_id);
		return -1;
	}
	p->have_msg = true;
	return in_memory ? 1 : 0;
}

int desk_rules_facts_load_fields(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id,
				 const struct mime_field *fields, size_t n_fields, enum rules_event ev,
				 struct desk_rules_facts_store *store, char **error_r)
{
	struct facts_priv *p = xcalloc(1, sizeof(*p));
	int in_memory;

	memset(store, 0, sizeof(*store));
	store->priv = p;
	store->facts.event = ev;
	if ((in_memory = facts_read(db, tenant_id, ticket_id, message_id, fields != NULL, p, error_r)) < 0) {
		desk_rules_facts_free(store);
		return -1;
	}
	ticket_facts(p, &store->facts);
	if (p->have_msg)
		message_facts(p, in_memory ? fields : NULL, in_memory ? n_fields : 0, &store->facts);
	return 0;
}

int desk_rules_facts_load(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t message_id,
			  enum rules_event ev, struct desk_rules_facts_store *store, char **error_r)
{
	return desk_rules_facts_load_fields(db, tenant_id, ticket_id, message_id, NULL, 0, ev, store, error_r);
}

const struct desk_rules_ticket *desk_rules_facts_ticket(const struct desk_rules_facts_store *store)
{
	return &((const struct facts_priv *)store->priv)->tk;
}

void desk_rules_facts_free(struct desk_rules_facts_store *store)
{
	struct facts_priv *p = store->priv;

	if (p != NULL) {
		db_rules_ticket_free(&p->ticket);
		db_rules_message_free(&p->msg);
		free(p->header_copy);
		free(p->split_fields);
		free(p->headers);
		free(p->attachments);
		free(p->tags_copy);
		free(p->tags);
		free(p);
	}
	memset(store, 0, sizeof(*store));
}
