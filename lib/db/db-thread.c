/* Threading inside the delivery transaction: gathers the facts (what a
 * token, the References and the subject tag point at), lets lib/thread
 * decide, and applies the decision (append and maybe reopen, or a new and
 * maybe linked ticket), with an event for everything that changed. */
#include "config.h"
#include "db/db-private.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <inttypes.h>

#include "base/xalloc.h"
#include "thread/thread.h"

#define MERGE_HOPS_MAX 16

/* One candidate with the status text kept alive for thread_decide(). The
 * decision speaks of tickets by their number (c.ticket_id holds it), which
 * is what users see in the recorded detail; id is the row's key. */
struct candidate {
	struct thread_candidate c;
	char status[16];
	int64_t id;
};

/* Loads ticket (by id or number) as a candidate, following merges.
 * Returns 1 found, 0 not in this tenant, -1 error. */
static int candidate_load(struct db *db, int64_t tenant_id, bool by_number, int64_t key, int64_t sender,
			  struct candidate *cand, char **error_r)
{
	struct db_num t, k, s;

	for (int hop = 0; hop < MERGE_HOPS_MAX; hop++) {
		const char *values[3] = { db_num(&t, tenant_id), db_num(&k, key), db_num(&s, sender) };
		PGresult *res;
		int64_t merged_into;

		if (db_stmt_run(db, by_number ? DB_STMT_TICKET_BY_NUMBER : DB_STMT_TICKET_BY_ID, values, NULL,
				NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
			return -1;
		if (PQntuples(res) == 0) {
			PQclear(res);
			return 0;
		}
		cand->id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(cand->status, sizeof(cand->status), "%s", PQgetvalue(res, 0, 1));
		cand->c.status = cand->status;
		cand->c.closed_at = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
		merged_into = strtoll(PQgetvalue(res, 0, 3), NULL, 10);
		cand->c.ticket_id = strtoll(PQgetvalue(res, 0, 4), NULL, 10);
		cand->c.sender_is_participant = PQgetvalue(res, 0, 5)[0] == 't';
		PQclear(res);
		if (merged_into == 0)
			return 1;
		by_number = false;
		key = merged_into;
	}
	return 0; /* a merge cycle: treat as no candidate */
}

/* The rcpt token, else one of our own Message-IDs in In-Reply-To or
 * References (newest first). Returns the verified ticket number or 0. */
static int64_t token_ticket_number(const struct db *db, int64_t tenant_id, const struct db_message_in *m,
				   int64_t *agent_id_r, int64_t *issued_r)
{
	struct thread_token tok;
	int64_t number;

	*agent_id_r = 0;
	*issued_r = 0;
	if (db->secret == NULL)
		return 0;
	if (m->rcpt_extension != NULL &&
	    thread_token_verify(db->secret, tenant_id, m->rcpt_extension, strlen(m->rcpt_extension), &tok) == 1) {
		*agent_id_r = tok.agent_id;
		*issued_r = tok.issued;
		return tok.ticket_number;
	}
	if (m->in_reply_to != NULL && thread_msgid_verify(db->secret, tenant_id, m->in_reply_to, &number) == 1)
		return number;
	for (size_t i = m->n_references; i > 0; i--)
		if (thread_msgid_verify(db->secret, tenant_id, m->references[i - 1], &number) == 1)
			return number;
	return 0;
}

/* A delivery report to the signed return path of one of our mails: the
 * ticket that mail belongs to (0 when it is not one, -1 on error). */
static int64_t bounce_ticket_id(struct db *db, int64_t tenant_id, const struct db_message_in *m,
				int64_t *outbound_id_r, char **error_r)
{
	char tn[24], id[24];
	const char *params[2] = { tn, id };
	struct db_table *res = NULL;
	int64_t outbound_id, ticket = 0;

	*outbound_id_r = 0;
	if (db->secret == NULL || m->rcpt_extension == NULL ||
	    thread_bounce_token_verify(db->secret, tenant_id, m->rcpt_extension, strlen(m->rcpt_extension),
				       &outbound_id) != 1)
		return 0;
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(id, sizeof(id), "%" PRId64, outbound_id);
	if (db_exec(db, "SELECT coalesce(ticket_id, 0) FROM outbound WHERE tenant_id = $1 AND id = $2", 2, params,
		    &res, error_r) < 0)
		return -1;
	if (res->n_rows > 0) {
		ticket = strtoll(db_table_get(res, 0, 0), NULL, 10);
		*outbound_id_r = outbound_id;
	}
	db_table_free(&res);
	return ticket;
}

/* In-Reply-To first, then References newest first: the ticket of the first
 * that names a stored message of this tenant. Returns its id or 0 (-1 on error). */
static int64_t references_ticket_id(struct db *db, int64_t tenant_id, const struct db_message_in *m,
				    int64_t sender, char **error_r)
{
	json_t *ids = json_array();
	const char *order[64];
	size_t n = 0;
	char *json;
	struct db_num t, s;
	PGresult *res;
	int64_t found = 0;

	if (m->in_reply_to != NULL)
		order[n++] = m->in_reply_to;
	for (size_t i = m->n_references; i > 0 && n < 64; i--)
		order[n++] = m->references[i - 1];
	for (size_t i = 0; i < n; i++) {
		json_t *v = json_string(order[i]);
		if (v != NULL)
			json_array_append_new(ids, v);
	}
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		return 0;
	}
	json = json_dumps(ids, JSON_COMPACT);
	json_decref(ids);
	const char *values[3] = { db_num(&t, tenant_id), json, db_num(&s, sender) };
	if (db_stmt_run(db, DB_STMT_REFS_FIND, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0) {
		free(json);
		return -1;
	}
	free(json);
	for (size_t i = 0; i < n && found == 0; i++)
		for (int row = 0; row < PQntuples(res); row++)
			if (strcmp(PQgetvalue(res, row, 0), order[i]) == 0) {
				found = strtoll(PQgetvalue(res, row, 1), NULL, 10);
				break;
			}
	PQclear(res);
	return found;
}

/* The tenant's subject tag format and the team's reopen window; whether
 * the tenant wants requesters authenticated before their mail adds
 * participants, and whether the sender is an agent authenticated as for
 * answers (the caller's judgement of Authentication-Results, in m). */
static int thread_settings(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			   char *format, size_t format_size, struct thread_facts *f, char **error_r)
{
	struct db_num t, tm;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tm, team_id),
				  m->from_addr != NULL ? m->from_addr : "" };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_THREAD_SETTINGS, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	if (PQntuples(res) == 0) {
		PQclear(res);
		*error_r = xstrdup("tenant or team not found");
		return -1;
	}
	snprintf(format, format_size, "%s", PQgetvalue(res, 0, 0));
	f->reopen_days = (unsigned)strtoul(PQgetvalue(res, 0, 1), NULL, 10);
	f->require_authenticated_requester = PQgetvalue(res, 0, 2)[0] == 't';
	f->sender_authenticated = m->sender_authenticated;
	f->sender_is_agent = PQgetvalue(res, 0, 3)[0] == 't' && (!m->agents_need_auth || m->sender_authenticated);
	PQclear(res);
	return 0;
}

/* Collects every piece of evidence into the facts for thread_decide(). */
static int facts_gather(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
			int64_t sender, struct candidate cands[3], struct thread_facts *f, int64_t *agent_id_r,
			int64_t *issued_r, int64_t *bounce_id_r, char **error_r)
{
	char format[80];
	int64_t number, ticket_id;

	memset(f, 0, sizeof(*f));
	memset(cands, 0, 3 * sizeof(*cands));
	f->now = (int64_t)time(NULL);
	if (thread_settings(db, tenant_id, team_id, m, format, sizeof(format), f, error_r) < 0)
		return -1;
	if ((ticket_id = bounce_ticket_id(db, tenant_id, m, bounce_id_r, error_r)) < 0)
		return -1;
	if (ticket_id != 0) {
		if (candidate_load(db, tenant_id, false, ticket_id, sender, &cands[0], error_r) < 0)
			return -1;
	} else if ((number = token_ticket_number(db, tenant_id, m, agent_id_r, issued_r)) != 0 &&
		   candidate_load(db, tenant_id, true, number, sender, &cands[0], error_r) < 0) {
		return -1;
	}
	if ((ticket_id = references_ticket_id(db, tenant_id, m, sender, error_r)) < 0)
		return -1;
	if (ticket_id != 0 && candidate_load(db, tenant_id, false, ticket_id, sender, &cands[1], error_r) < 0)
		return -1;
	if (m->subject != NULL && thread_subject_tag_find(format, m->subject, &number) == 1 &&
	    candidate_load(db, tenant_id, true, number, sender, &cands[2], error_r) < 0)
		return -1;
	f->token = cands[0].c;
	f->references = cands[1].c;
	f->subject_tag = cands[2].c;
	f->token_names_agent = *agent_id_r != 0;
	return 0;
}

/* Records one event on a ticket. */
static int event_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *kind, const char *detail,
		     char **error_r)
{
	struct db_num t, tk;
	const char *values[5] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), kind, "mail", detail };

	return db_stmt_run(db, DB_STMT_EVENT_INSERT, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
}

/* Opens a new ticket for the message; an empty subject gets a stand-in. */
static int ticket_create(struct db *db, int64_t tenant_id, int64_t team_id, const char *subject,
			 int64_t contact_id, int64_t *ticket_id_r, struct db_delivery_result *r,
			 char **error_r)
{
	struct db_num t, tm, c;
	const char *title = subject != NULL && subject[0] != '\0' ? subject : "(no subject)";
	const char *values[4] = { db_num(&t, tenant_id), db_num(&tm, team_id), title, db_num(&c, contact_id) };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_TICKET_INSERT, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	*ticket_id_r = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	r->ticket_number = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	r->new_ticket = true;
	PQclear(res);
	return 0;
}

/* Appends to an existing ticket: activity time, and open again when decided. */
static int ticket_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct thread_decision *d,
			struct db_delivery_result *r, char **error_r)
{
	struct db_num t, tk;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), d->reopen ? "t" : "f" };
	PGresult *res;

	if (db_stmt_run(db, DB_STMT_TICKET_TOUCH, values, NULL, NULL, PGRES_TUPLES_OK, &res, error_r) < 0)
		return -1;
	r->ticket_number = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	r->reopened = d->reopen;
	if (d->woke)
		return event_add(db, tenant_id, ticket_id, "woke", "customer replied while snoozed", error_r);
	if (d->reopen)
		return event_add(db, tenant_id, ticket_id, "reopened", "customer replied", error_r);
	return 0;
}

/* The row id of the candidate with this ticket number. */
static int64_t candidate_id(const struct candidate cands[3], int64_t number)
{
	for (int i = 0; i < 3; i++)
		if (cands[i].c.ticket_id == number)
			return cands[i].id;
	return 0;
}

int db_thread_place(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_message_in *m,
		    int64_t sender_contact_id, int64_t *ticket_id_r, struct db_delivery_result *r,
		    bool *add_participants_r, char **error_r)
{
	struct candidate cands[3];
	struct thread_facts f;
	struct thread_decision d;
	struct db_num t, tk, lk;

	if (facts_gather(db, tenant_id, team_id, m, sender_contact_id, cands, &f, &r->token_agent_id,
			 &r->token_issued, &r->bounce_outbound_id, error_r) < 0)
		return -1;
	thread_decide(&f, &d);
	*add_participants_r = d.add_participants;
	snprintf(r->match_reason, sizeof(r->match_reason), "%s", thread_reason_name(d.reason));
	snprintf(r->match_detail, sizeof(r->match_detail), "%s", d.detail);
	if (d.ticket_id != 0) {
		*ticket_id_r = candidate_id(cands, d.ticket_id);
		return ticket_touch(db, tenant_id, *ticket_id_r, &d, r, error_r);
	}
	if (ticket_create(db, tenant_id, team_id, m->subject, sender_contact_id, ticket_id_r, r, error_r) < 0 ||
	    event_add(db, tenant_id, *ticket_id_r, "created", d.detail, error_r) < 0)
		return -1;
	if (d.linked_ticket_id == 0)
		return 0;
	r->linked_ticket_number = d.linked_ticket_id;
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, *ticket_id_r),
				  db_num(&lk, candidate_id(cands, d.linked_ticket_id)) };
	return db_stmt_run(db, DB_STMT_TICKET_LINK, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
}

/* Appends {"e": address, "b": address without its extension} when it is
 * an address at all. */
static void participant_push(json_t *arr, const char *addr, const char *delimiters)
{
	char base[512];
	const char *ext;
	size_t ext_len;

	if (addr == NULL || strchr(addr, '@') == NULL ||
	    thread_address_split(addr, delimiters, base, sizeof(base), &ext, &ext_len) < 0)
		return;
	json_t *e = json_string(addr), *b = json_string(base);
	if (e == NULL || b == NULL) {
		json_decref(e);
		json_decref(b);
		return;
	}
	json_array_append_new(arr, json_pack("{s:o,s:o}", "e", e, "b", b));
}

int db_thread_participants_add(struct db *db, int64_t tenant_id, int64_t ticket_id,
			       const struct db_message_in *m, char **error_r)
{
	const char *delims = db->delimiters != NULL ? db->delimiters : "+";
	json_t *arr = json_array();
	struct db_num t, tk;
	char *json;
	int ret;

	participant_push(arr, m->from_addr, delims);
	for (size_t i = 0; i < m->n_to; i++)
		participant_push(arr, m->to[i].addr, delims);
	for (size_t i = 0; i < m->n_cc; i++)
		participant_push(arr, m->cc[i].addr, delims);
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		return 0;
	}
	json = json_dumps(arr, JSON_COMPACT);
	json_decref(arr);
	const char *values[3] = { db_num(&t, tenant_id), db_num(&tk, ticket_id), json };
	ret = db_stmt_run(db, DB_STMT_PARTICIPANTS_ADD, values, NULL, NULL, PGRES_COMMAND_OK, NULL, error_r);
	free(json);
	return ret;
}
