/* Threading inside the delivery transaction: gathers the evidence (what a
 * token, the References and the subject tag point at) through lib/db's
 * typed lookups, lets lib/thread decide, and applies the decision (append
 * and maybe reopen, or a new and maybe linked ticket), with an event for
 * everything that changed. */
#include "config.h"
#include "desk/desk-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "thread/thread.h"

/* The three candidates a decision may name, with their row ids. */
struct placement {
	struct db_ticket_candidate token, references, subject_tag;
	struct thread_facts f;
};

/* The rcpt token, else one of our own Message-IDs in In-Reply-To or
 * References (newest first). Returns the verified ticket number or 0. */
static int64_t token_ticket_number(const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
				   int64_t *agent_id_r, int64_t *issued_r)
{
	struct thread_token tok;
	int64_t number;

	*agent_id_r = 0;
	*issued_r = 0;
	if (s->secret == NULL || s->secret[0] == '\0')
		return 0;
	if (m->rcpt_extension != NULL &&
	    thread_token_verify(s->secret, tenant_id, m->rcpt_extension, strlen(m->rcpt_extension), &tok) == 1) {
		*agent_id_r = tok.agent_id;
		*issued_r = tok.issued;
		return tok.ticket_number;
	}
	if (m->in_reply_to != NULL && thread_msgid_verify(s->secret, tenant_id, m->in_reply_to, &number) == 1)
		return number;
	for (size_t i = m->n_references; i > 0; i--)
		if (thread_msgid_verify(s->secret, tenant_id, m->references[i - 1], &number) == 1)
			return number;
	return 0;
}

/* A delivery report to the signed return path of one of our mails: the
 * ticket that mail belongs to (0 when it is not one, -1 on error). */
static int64_t bounce_ticket_id(struct db *db, const struct desk_settings *s, int64_t tenant_id,
				const struct db_message_in *m, int64_t *outbound_id_r, char **error_r)
{
	int64_t outbound_id, ticket = 0;
	int found;

	*outbound_id_r = 0;
	if (s->secret == NULL || s->secret[0] == '\0' || m->rcpt_extension == NULL ||
	    thread_bounce_token_verify(s->secret, tenant_id, m->rcpt_extension, strlen(m->rcpt_extension),
				       &outbound_id) != 1)
		return 0;
	if ((found = db_outbound_ticket(db, tenant_id, outbound_id, &ticket, error_r)) < 0)
		return -1;
	if (found)
		*outbound_id_r = outbound_id;
	return ticket;
}

/* In-Reply-To first, then References newest first: the ticket of the first
 * that names a stored message of this tenant (0 none, -1 error). */
static int64_t references_ticket_id(struct db *db, int64_t tenant_id, const struct db_message_in *m, int64_t sender,
				    char **error_r)
{
	const char *order[64];
	size_t n = 0;
	int64_t id;

	if (m->in_reply_to != NULL)
		order[n++] = m->in_reply_to;
	for (size_t i = m->n_references; i > 0 && n < 64; i--)
		order[n++] = m->references[i - 1];
	if (db_references_ticket(db, tenant_id, order, n, sender, &id, error_r) < 0)
		return -1;
	return id;
}

/* A loaded candidate as lib/thread sees it (tickets by number). */
static struct thread_candidate candidate_fact(const struct db_ticket_candidate *c)
{
	return (struct thread_candidate){ .ticket_id = c->number, .status = c->status, .closed_at = c->closed_at,
					  .sender_is_participant = c->sender_is_participant };
}

/* Collects every piece of evidence into the facts for thread_decide(). */
static int facts_gather(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			const struct db_message_in *m, const struct db_thread_settings *ts, int64_t sender,
			struct placement *p, struct db_delivery_result *r, char **error_r)
{
	int64_t number, ticket_id;

	memset(p, 0, sizeof(*p));
	p->f.now = (int64_t)time(NULL);
	p->f.reopen_days = ts->reopen_days;
	p->f.require_authenticated_requester = ts->require_authenticated_requester;
	p->f.sender_authenticated = m->sender_authenticated;
	p->f.sender_is_agent = ts->sender_is_agent && (!m->agents_need_auth || m->sender_authenticated);
	if ((ticket_id = bounce_ticket_id(db, s, tenant_id, m, &r->bounce_outbound_id, error_r)) < 0)
		return -1;
	if (ticket_id != 0) {
		if (db_ticket_candidate(db, tenant_id, false, ticket_id, sender, &p->token, error_r) < 0)
			return -1;
	} else if ((number = token_ticket_number(s, tenant_id, m, &r->token_agent_id, &r->token_issued)) != 0 &&
		   db_ticket_candidate(db, tenant_id, true, number, sender, &p->token, error_r) < 0) {
		return -1;
	}
	if ((ticket_id = references_ticket_id(db, tenant_id, m, sender, error_r)) < 0)
		return -1;
	if (ticket_id != 0 && db_ticket_candidate(db, tenant_id, false, ticket_id, sender, &p->references, error_r) < 0)
		return -1;
	if (m->subject != NULL && thread_subject_tag_find(ts->subject_tag_format, m->subject, &number) == 1 &&
	    db_ticket_candidate(db, tenant_id, true, number, sender, &p->subject_tag, error_r) < 0)
		return -1;
	p->f.token = candidate_fact(&p->token);
	p->f.references = candidate_fact(&p->references);
	p->f.subject_tag = candidate_fact(&p->subject_tag);
	p->f.token_names_agent = r->token_agent_id != 0;
	return 0;
}

/* The row id of the candidate with this ticket number. */
static int64_t candidate_id(const struct placement *p, int64_t number)
{
	const struct db_ticket_candidate *c[3] = { &p->token, &p->references, &p->subject_tag };

	for (int i = 0; i < 3; i++)
		if (c[i]->number == number)
			return c[i]->id;
	return 0;
}

/* Appends to an existing ticket: activity time, open again when decided. */
static int ticket_append(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct thread_decision *d,
			 struct db_delivery_result *r, char **error_r)
{
	bool reopened = false;

	if (db_ticket_touch(db, tenant_id, ticket_id, d->reopen, &r->ticket_number, &reopened, error_r) < 0)
		return -1;
	r->reopened = reopened;
	if (d->woke)
		return desk_event(db, tenant_id, ticket_id, "woke", "mail", "customer replied while snoozed", error_r);
	if (reopened)
		return desk_event(db, tenant_id, ticket_id, "reopened", "mail", "customer replied", error_r);
	if (d->reopen)
		return db_ticket_event(db, tenant_id, ticket_id, "reopen.skipped", "mail",
				       "customer replied; another request for this order and reason is open", error_r);
	return 0;
}

/* Contract in desk-private.h. */
int desk_thread_place(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
		      const struct db_message_in *m, const struct db_thread_settings *ts, int64_t sender_contact_id,
		      struct db_delivery_result *r, bool *add_participants_r, char **error_r)
{
	struct placement p;
	struct thread_decision d;
	const char *title = m->subject != NULL && m->subject[0] != '\0' ? m->subject : "(no subject)";

	if (facts_gather(db, s, tenant_id, m, ts, sender_contact_id, &p, r, error_r) < 0)
		return -1;
	thread_decide(&p.f, &d);
	*add_participants_r = d.add_participants;
	snprintf(r->match_reason, sizeof(r->match_reason), "%s", thread_reason_name(d.reason));
	snprintf(r->match_detail, sizeof(r->match_detail), "%s", d.detail);
	if (d.ticket_id != 0) {
		r->ticket_id = candidate_id(&p, d.ticket_id);
		return ticket_append(db, tenant_id, r->ticket_id, &d, r, error_r);
	}
	if (db_ticket_open_new(db, tenant_id, team_id, title, sender_contact_id, &r->ticket_id, &r->ticket_number,
			       error_r) < 0 ||
	    desk_event(db, tenant_id, r->ticket_id, "created", "mail", d.detail, error_r) < 0)
		return -1;
	r->new_ticket = true;
	if (d.linked_ticket_id == 0)
		return 0;
	r->linked_ticket_number = d.linked_ticket_id;
	return db_ticket_link(db, tenant_id, r->ticket_id, candidate_id(&p, d.linked_ticket_id), error_r);
}

/* Adds {address, address without its extension} when it is an address. */
static void participant_push(struct db_participant_in *out, char (*bases)[512], size_t *n, const char *addr,
			     const char *delims)
{
	const char *ext;
	size_t ext_len;

	if (addr == NULL || strchr(addr, '@') == NULL ||
	    thread_address_split(addr, delims, bases[*n], sizeof(bases[*n]), &ext, &ext_len) < 0)
		return;
	out[*n].email = addr;
	out[*n].base = bases[*n];
	(*n)++;
}

/* Contract in desk-private.h. */
int desk_participants_add(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			  const struct db_message_in *m, char **error_r)
{
	const char *delims = s->delimiters != NULL ? s->delimiters : "+";
	size_t max = 1 + m->n_to + m->n_cc, n = 0;
	struct db_participant_in *addrs = xcalloc(max, sizeof(*addrs));
	char(*bases)[512] = xcalloc(max, sizeof(*bases));
	int ret;

	participant_push(addrs, bases, &n, m->from_addr, delims);
	for (size_t i = 0; i < m->n_to; i++)
		participant_push(addrs, bases, &n, m->to[i].addr, delims);
	for (size_t i = 0; i < m->n_cc; i++)
		participant_push(addrs, bases, &n, m->cc[i].addr, delims);
	ret = db_participants_add(db, tenant_id, ticket_id, addrs, n, error_r);
	free(addrs);
	free(bases);
	return ret;
}
