/* The agent's answer to the customer: From the team's alias with the
 * agent's name, to the requester with the participants on Cc, threaded on
 * the customer's latest message, signed off with the agent's signature.
 * The first mail of a ticket an agent starts is written the same way. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-desk-mail.h"
#include "desk/desk-webhook.h"
#include "mime/mime-compose.h"
#include "mime/mime.h"

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

/* The customer's latest message: its Message-ID, to thread the answer
 * on, and the References to send (theirs, then that Message-ID); NULL and
 * none when there is none. refs point into ref. */
struct thread_ref {
	struct db_desk_thread_ref ref;
	const char **refs;
	size_t n_refs;
	const char *message_id;
};

static int latest_customer_message(struct db *db, int64_t tenant_id, int64_t ticket_id, struct thread_ref *tr,
				   char **error_r)
{
	int found = db_desk_latest_customer_message(db, tenant_id, ticket_id, &tr->ref, error_r);

	tr->refs = NULL;
	tr->n_refs = 0;
	tr->message_id = NULL;
	if (found <= 0)
		return found;
	tr->message_id = tr->ref.message_id;
	tr->refs = xcalloc(tr->ref.n_refs + 1, sizeof(*tr->refs));
	for (size_t i = 0; i < tr->ref.n_refs; i++)
		tr->refs[tr->n_refs++] = tr->ref.refs[i];
	tr->refs[tr->n_refs++] = tr->message_id;
	return 0;
}

static void thread_ref_free(struct thread_ref *tr)
{
	free(tr->refs);
	db_desk_thread_ref_free(&tr->ref);
}

/* What one outgoing mail is made of, for storing it. */
struct reply_mail {
	const char *from_name, *subject, *msgid, *in_reply_to, *body, *data;
	size_t len;
};

/* Keeps the sent mail as an outgoing message of the ticket (raw bytes and
 * attachments included), so the customer's next reply threads on its
 * Message-ID. */
static int reply_store(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
		       const struct reply_mail *rm, const struct desk_outgoing *o, char **error_r)
{
	struct db_desk_attachment *atts = xcalloc(o->n_attachments + 1, sizeof(*atts));
	char sha[65];
	struct db_desk_outgoing out = {
		.tenant_id = tenant_id, .ticket_id = t->id, .team_id = t->team_id, .agent_id = a->id,
		.data = rm->data, .len = rm->len, .sha256_hex = sha, .from_addr = t->team_alias, .from_name = rm->from_name,
		.subject = rm->subject, .message_id = rm->msgid, .in_reply_to = rm->in_reply_to,
		.text_body = rm->body, .detail = o->detail, .attachments = atts, .n_attachments = o->n_attachments,
	};
	int ret;

	mime_sha256_hex(rm->data, rm->len, sha);
	for (size_t i = 0; i < o->n_attachments; i++)
		atts[i] = (struct db_desk_attachment){ o->attachments[i].filename, o->attachments[i].content_type,
						       o->attachments[i].data, o->attachments[i].size };
	ret = db_desk_outgoing_store(db, &out, NULL, error_r);
	free(atts);
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
static void recipients_make(const struct desk_ticket *t, const struct db_desk_contact *parts, size_t n_parts,
			    struct recipients *r)
{
	r->to = (struct mime_compose_addr){ t->requester_name, t->requester_email };
	r->cc = xcalloc(n_parts + 1, sizeof(*r->cc));
	r->rcpts = xcalloc(n_parts + 1, sizeof(*r->rcpts));
	r->n_cc = 0;
	r->n_rcpts = 0;
	r->rcpts[r->n_rcpts++] = t->requester_email;
	for (size_t i = 0; i < n_parts; i++) {
		const char *addr = parts[i].email;

		r->rcpts[r->n_rcpts++] = addr;
		if (!db_outbound_address_valid(addr, false))
			continue;
		r->cc[r->n_cc].addr = addr;
		r->cc[r->n_cc++].name = parts[i].name;
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
		.in_reply_to = tr->message_id, .references = tr->refs, .n_references = tr->n_refs,
		.text = body, .attachments = o->attachments, .n_attachments = o->n_attachments,
	};
	size_t dlen;
	char *data = mime_compose(&c, &dlen);
	struct reply_mail rm = { from_name, subject, msgid, tr->message_id, body, data, dlen };
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

/* The answer is queued: the tenant's webhooks hear of it, with the
 * agent's text as the customer gets it (before the signature). */
static int agent_replied_emit(struct db *db, int64_t tenant_id, const struct desk_ticket *t,
			      const struct desk_agent *a, const char *text, size_t len, size_t n_attachments,
			      char **error_r)
{
	char *copy = xmalloc(len + 1);
	json_t *extra = json_object();
	int ret;

	memcpy(copy, text, len);
	copy[len] = '\0';
	json_object_set_new(extra, "message", desk_webhook_message(0, a->email, NULL, copy, n_attachments));
	json_object_set_new(extra, "agent", json_pack("{s:s?, s:s?}", "email", a->email, "name", a->name));
	ret = desk_webhook_emit(db, tenant_id, "agent.replied", t->id, extra, error_r);
	json_decref(extra);
	free(copy);
	return ret;
}

int desk_customer_send(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		       const struct desk_agent *a, const char *text, size_t len, const struct desk_outgoing *o,
		       char **error_r)
{
	struct thread_ref tr;
	struct db_desk_contact *parts = NULL;
	size_t n_parts = 0;
	struct recipients r;
	char *body;
	int ret;

	if (latest_customer_message(db, tenant_id, t->id, &tr, error_r) < 0)
		return -1;
	if (db_desk_participants(db, tenant_id, t->id, &parts, &n_parts, error_r) < 0) {
		thread_ref_free(&tr);
		return -1;
	}
	recipients_make(t, parts, n_parts, &r);
	body = reply_body(text, len, a);
	ret = customer_send(db, s, tenant_id, t, a, body, &tr, &r, o, error_r);
	if (ret == 0)
		ret = agent_replied_emit(db, tenant_id, t, a, text, len, o->n_attachments, error_r);
	free(body);
	free(r.rcpts);
	free(r.cc);
	db_desk_contacts_free(&parts, n_parts);
	thread_ref_free(&tr);
	return ret;
}

/* Which of the agent's attachments go to the customer: all of them, but
 * a winmail.dat (application/ms-tnef) whose files lib/mime unpacked (they
 * follow it in the list) is left out, as the customer could not open it. */
static bool mail_attachment_sent(const struct db_message_in *mail, const struct db_attachment_in *att)
{
	return att->content_type == NULL || strcmp(att->content_type, "application/ms-tnef") != 0 ||
	       (mail->defects & MIME_DEFECT_BAD_TNEF) != 0;
}

int desk_customer_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const char *text, size_t len, const struct db_message_in *mail,
			char **error_r)
{
	size_t n_in = mail != NULL ? mail->n_attachments : 0, n = 0;
	struct mime_compose_attachment *atts = xcalloc(n_in + 1, sizeof(*atts));
	int ret;

	for (size_t i = 0; i < n_in; i++) {
		const struct db_attachment_in *in = &mail->attachments[i];

		if (mail_attachment_sent(mail, in))
			atts[n++] = (struct mime_compose_attachment){ in->filename, in->content_type, in->data,
								      in->size };
	}
	const struct desk_outgoing o = { .kind = DB_OUTBOUND_REPLY, .detail = "answer written by mail",
					 .attachments = atts, .n_attachments = n };
	ret = desk_customer_send(db, s, tenant_id, t, a, text, len, &o, error_r);
	free(atts);
	return ret;
}
