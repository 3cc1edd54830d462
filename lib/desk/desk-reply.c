/* The agent's answer to the customer: From the team's alias with the
 * agent's name, to the requester with the participants on Cc, threaded on
 * the customer's latest message, signed off with the agent's signature.
 * The first mail of a ticket an agent starts is written the same way. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mime/mime-compose.h"

/* "Ana from Support" from the team's format ({agent}, {team}). */
static char *sender_name(const struct desk_ticket *t, const struct desk_agent *a)
{
	struct buf b;
	const char *agent = a->name[0] ? a->name : a->email;

	buf_init(&b, 0);
	for (const char *p = t->sender_name_format; *p;) {
		if (strncmp(p, "{agent}", 7) == 0) {
			buf_append_str(&b, agent);
			p += 7;
		} else if (strncmp(p, "{team}", 6) == 0) {
			buf_append_str(&b, t->team_name);
			p += 6;
		} else {
			buf_append(&b, p++, 1);
		}
	}
	return buf_steal(&b, NULL);
}

/* The text, trimmed of trailing blank lines, then "-- " and the signature. */
static char *reply_body(const char *text, size_t len, const struct desk_agent *a)
{
	struct buf b;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	buf_init(&b, 0);
	buf_append(&b, text, len);
	buf_append_str(&b, "\n");
	if (a->signature[0] != '\0')
		buf_printf(&b, "\n-- \n%s%s", a->signature,
			   a->signature[strlen(a->signature) - 1] == '\n' ? "" : "\n");
	return buf_steal(&b, NULL);
}

/* The customer's latest message: its Message-ID and References, to thread
 * the answer on (NULLs when there is none). */
struct thread_ref {
	char *message_id;
	char **refs;
	size_t n_refs;
	char *refs_text;
};

static int latest_customer_message(struct db *db, int64_t tenant_id, int64_t ticket_id, struct thread_ref *tr,
				   char **error_r)
{
	char tn[24], tk[24];
	const char *params[2] = { tn, tk };
	struct db_table *res = NULL;

	memset(tr, 0, sizeof(*tr));
	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	if (db_exec(db,
		    "SELECT message_id, array_to_string(refs, ' ') FROM messages WHERE tenant_id = $1"
		    " AND ticket_id = $2 AND direction = 'in' AND kind = 'customer' AND message_id IS NOT NULL"
		    " ORDER BY received_at DESC, id DESC LIMIT 1",
		    2, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows > 0) {
		tr->message_id = xstrdup(db_table_get(res, 0, 0));
		tr->refs_text = xstrdup(db_table_get(res, 0, 1) ? db_table_get(res, 0, 1) : "");
		for (char *save = NULL, *tok = strtok_r(tr->refs_text, " ", &save); tok != NULL;
		     tok = strtok_r(NULL, " ", &save)) {
			tr->refs = xrealloc(tr->refs, (tr->n_refs + 2) * sizeof(*tr->refs));
			tr->refs[tr->n_refs++] = tok;
		}
		tr->refs = xrealloc(tr->refs, (tr->n_refs + 1) * sizeof(*tr->refs));
		tr->refs[tr->n_refs++] = tr->message_id;
	}
	db_table_free(&res);
	return 0;
}

static void thread_ref_free(struct thread_ref *tr)
{
	free(tr->message_id);
	free(tr->refs);
	free(tr->refs_text);
}

/* The participants' addresses (never the requester). */
static int participants_load(struct db *db, int64_t tenant_id, int64_t ticket_id, struct db_table **res_r,
			     char **error_r)
{
	char tn[24], tk[24];
	const char *params[2] = { tn, tk };

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	return db_exec(db,
		       "SELECT c.email, coalesce(c.name, '') FROM ticket_participants p JOIN contacts c"
		       " ON c.tenant_id = p.tenant_id AND c.id = p.contact_id WHERE p.tenant_id = $1"
		       " AND p.ticket_id = $2 ORDER BY c.email",
		       2, params, res_r, error_r);
}

/* What one outgoing mail is made of, for storing it. */
struct reply_mail {
	const char *from_name, *subject, *msgid, *in_reply_to, *body, *data;
};

/* Keeps an attachment of a sent mail like a received one: the content
 * once per hash in blobs, a row per message in attachments. */
static int attachment_store(struct db *db, const char *tn, const char *msg_row,
			    const struct mime_compose_attachment *att, char **error_r)
{
	static const char hex[] = "0123456789abcdef";
	char *h = xmalloc(att->size * 2 + 1);
	const char *blob_params[2] = { tn, h };
	const char *params[5] = { tn, msg_row, att->filename, att->content_type, h };
	int ret;

	for (size_t i = 0; i < att->size; i++) {
		h[2 * i] = hex[att->data[i] >> 4];
		h[2 * i + 1] = hex[att->data[i] & 15];
	}
	h[att->size * 2] = '\0';
	ret = db_exec(db,
		      "INSERT INTO blobs (tenant_id, sha256, size, data) SELECT $1, encode(sha256(d), 'hex'),"
		      " length(d), d FROM (SELECT decode($2, 'hex') AS d) x ON CONFLICT DO NOTHING",
		      2, blob_params, NULL, error_r);
	if (ret == 0)
		ret = db_exec(db,
			      "INSERT INTO attachments (tenant_id, message_id, filename, content_type, size, sha256)"
			      " SELECT $1, $2, $3, $4, length(d), encode(sha256(d), 'hex')"
			      " FROM (SELECT decode($5, 'hex') AS d) x",
			      5, params, NULL, error_r);
	free(h);
	return ret;
}

/* Keeps the sent mail as an outgoing message of the ticket (raw bytes and
 * attachments included), so the customer's next reply threads on its
 * Message-ID. */
static int reply_store(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
		       const struct reply_mail *rm, const struct desk_outgoing *o, char **error_r)
{
	char tn[24], tk[24], tm[24], ag[24];
	const char *raw_params[2] = { tn, rm->data };
	const char *params[12] = { tn,		tk,	      tm,	    rm->data, t->team_alias, rm->from_name,
				   rm->subject, rm->msgid, rm->in_reply_to, rm->body, ag,	     o->detail };
	struct db_table *res = NULL;
	int ret = 0;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, t->id);
	snprintf(tm, sizeof(tm), "%" PRId64, t->team_id);
	snprintf(ag, sizeof(ag), "%" PRId64, a->id);
	if (db_exec(db,
		    "INSERT INTO raw_messages (tenant_id, sha256, size, data) SELECT $1, encode(sha256(d), 'hex'),"
		    " length(d), d FROM (SELECT convert_to($2, 'UTF8') AS d) x ON CONFLICT DO NOTHING",
		    2, raw_params, NULL, error_r) < 0)
		return -1;
	if (db_exec(db,
		    "INSERT INTO messages (tenant_id, ticket_id, team_id, direction, raw_sha256, envelope_from,"
		    " from_name, from_addr, subject, sent_at, message_id, in_reply_to, text_body, match_reason,"
		    " match_detail, kind, agent_id) VALUES ($1, $2, $3, 'out',"
		    " encode(sha256(convert_to($4, 'UTF8')), 'hex'), $5, $6, $5, $7, now(), $8, $9, $10,"
		    " 'agent', $12, 'reply', $11) RETURNING id",
		    12, params, &res, error_r) < 0)
		return -1;
	for (size_t i = 0; i < o->n_attachments && ret == 0; i++)
		ret = attachment_store(db, tn, db_table_get(res, 0, 0), &o->attachments[i], error_r);
	db_table_free(&res);
	return ret;
}

/* The requester on To, the participants on Cc; all of them are envelope
 * recipients. Pointers into t and parts. */
struct recipients {
	struct mime_compose_addr to, *cc;
	size_t n_cc;
	const char **rcpts;
	size_t n_rcpts;
};

/* Fills r; free r->cc and r->rcpts. A participant the outbound queue
 * would refuse stays off the Cc line; it stays among the envelope
 * recipients, where desk_queue() drops it with an event on the ticket. */
static void recipients_make(const struct desk_ticket *t, const struct db_table *parts, struct recipients *r)
{
	r->to = (struct mime_compose_addr){ t->requester_name, t->requester_email };
	r->cc = xcalloc(parts->n_rows + 1, sizeof(*r->cc));
	r->rcpts = xcalloc(parts->n_rows + 1, sizeof(*r->rcpts));
	r->n_cc = 0;
	r->n_rcpts = 0;
	r->rcpts[r->n_rcpts++] = t->requester_email;
	for (size_t i = 0; i < parts->n_rows; i++) {
		const char *addr = db_table_get(parts, i, 0);

		r->rcpts[r->n_rcpts++] = addr;
		if (!db_outbound_address_valid(addr, false))
			continue;
		r->cc[r->n_cc].addr = addr;
		r->cc[r->n_cc++].name = db_table_get(parts, i, 1);
	}
}

/* Composes, stores and queues; everything it needs is already loaded. */
static int customer_send(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			 const struct desk_agent *a, const char *body, const struct thread_ref *tr,
			 const struct recipients *r, const struct desk_outgoing *o, char **error_r)
{
	bool is_reply = o->kind == DB_OUTBOUND_REPLY;
	char *from_name = sender_name(t, a);
	char *subject = desk_subject(t, is_reply && strncasecmp(t->subject, "re:", 3) != 0 ? "Re: " : "");
	char *msgid = desk_message_id(s, tenant_id, t->number);
	char *reply_addr = desk_reply_address(s, tenant_id, t, 0);
	struct mime_compose_addr reply_to = { NULL, reply_addr };
	struct mime_compose c = {
		.from = { from_name, t->team_alias }, .reply_to = &reply_to, .to = &r->to, .n_to = 1, .cc = r->cc,
		.n_cc = r->n_cc, .subject = subject, .date = (int64_t)time(NULL), .message_id = msgid,
		.in_reply_to = tr->message_id, .references = (const char *const *)tr->refs, .n_references = tr->n_refs,
		.text = body, .attachments = o->attachments, .n_attachments = o->n_attachments,
	};
	size_t dlen;
	char *data = mime_compose(&c, &dlen);
	struct reply_mail rm = { from_name, subject, msgid, tr->message_id, body, data };
	int ret = reply_store(db, tenant_id, t, a, &rm, o, error_r);

	if (ret == 0)
		ret = desk_queue(db, s, tenant_id, t->id, o->kind, t->team_alias, r->rcpts, r->n_rcpts, data, dlen, msgid,
				 error_r);
	free(data);
	free(reply_addr);
	free(msgid);
	free(subject);
	free(from_name);
	return ret;
}

int desk_customer_send(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		       const struct desk_agent *a, const char *text, size_t len, const struct desk_outgoing *o,
		       char **error_r)
{
	struct thread_ref tr;
	struct db_table *parts = NULL;
	struct recipients r;
	char *body;
	int ret;

	if (latest_customer_message(db, tenant_id, t->id, &tr, error_r) < 0)
		return -1;
	if (participants_load(db, tenant_id, t->id, &parts, error_r) < 0) {
		thread_ref_free(&tr);
		return -1;
	}
	recipients_make(t, parts, &r);
	body = reply_body(text, len, a);
	ret = customer_send(db, s, tenant_id, t, a, body, &tr, &r, o, error_r);
	free(body);
	free(r.rcpts);
	free(r.cc);
	db_table_free(&parts);
	thread_ref_free(&tr);
	return ret;
}

int desk_customer_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const char *text, size_t len, char **error_r)
{
	const struct desk_outgoing o = { .kind = DB_OUTBOUND_REPLY, .detail = "answer written by mail" };

	return desk_customer_send(db, s, tenant_id, t, a, text, len, &o, error_r);
}
