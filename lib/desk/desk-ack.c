/* Automatic acknowledgements: a team may answer every new ticket from a
 * customer with one of its templates ("we got your mail, ticket 1042").
 * It is automatic mail, so it follows RFC 3834: never in answer to
 * automatic mail, sent with the null envelope sender and marked
 * Auto-Submitted, and at most once per sender and team per
 * autoack_window, counted from the outbound queue itself. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agent/agent.h"
#include "base/xalloc.h"
#include "db/db-desk-caps.h"
#include "db/db-desk-team.h"
#include "mime/mime-compose.h"

/* The References of the acknowledgement: the customer's, then theirs. */
static const char **ack_references(const struct db_message_in *m, size_t *n_r)
{
	const char **refs = xcalloc(m->n_references + 1, sizeof(*refs));
	size_t n = 0;

	for (size_t i = 0; i < m->n_references; i++)
		refs[n++] = m->references[i];
	if (m->message_id != NULL)
		refs[n++] = m->message_id;
	*n_r = n;
	return refs;
}

/* Composes the acknowledgement and queues it to the requester. */
static int ack_send(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		    const struct db_message_in *m, const char *text, char **error_r)
{
	char *subject = desk_subject(t, strncasecmp(t->subject, "re:", 3) == 0 ? "" : "Re: ");
	char *msgid = desk_message_id(s, tenant_id, t->number);
	char *reply_addr = desk_reply_address(s, tenant_id, t, 0);
	char ticket_no[24];
	const char *names[] = { "Auto-Submitted", "X-Auto-Response-Suppress", AGENT_LOOP_HEADER, "X-Maildesk-Ticket" };
	const char *values[] = { "auto-replied", "All", s->hostname, ticket_no };
	struct mime_compose_addr to = { t->requester_name, t->requester_email }, reply_to = { NULL, reply_addr };
	const char *rcpts[1] = { t->requester_email };
	size_t n_refs, len;
	const char **refs = ack_references(m, &n_refs);
	int ret;

	snprintf(ticket_no, sizeof(ticket_no), "%" PRId64, t->number);
	struct mime_compose c = {
		.from = { t->team_name, t->team_alias }, .reply_to = &reply_to, .to = &to, .n_to = 1,
		.subject = subject, .date = (int64_t)time(NULL), .message_id = msgid, .in_reply_to = m->message_id,
		.references = refs, .n_references = n_refs, .text = text,
		.extra_names = names, .extra_values = values, .n_extra = 4,
	};
	char *data = mime_compose(&c, &len);
	ret = desk_queue(db, s, tenant_id, t->id, DB_OUTBOUND_ACK, "", rcpts, 1, data, len, msgid, error_r);
	free(data);
	free(refs);
	free(reply_addr);
	free(msgid);
	free(subject);
	return ret;
}

/* An acknowledgement goes where From points, signed with the brand's key:
 * only to a sender our own mail server authenticated (DMARC, DKIM or SPF
 * pass for exactly the From domain), or whom the caller vouched for
 * (m->sender_authenticated: a request the tenant's operator opened; for
 * mail it is the DMARC or DKIM pass again), unless the tenant opted out
 * (unauthenticated_ok). false: hold back (*why_r static). */
static bool ack_sender_ok(const struct desk_settings *s, bool unauthenticated_ok, const struct db_message_in *m,
			  const char **why_r)
{
	struct agent_auth_verdict v;

	desk_sender_auth(s, m, &v);
	if (v.dmarc_pass || v.dkim_pass || v.spf_pass || m->sender_authenticated || unauthenticated_ok)
		return true;
	*why_r = s->authserv_id == NULL || s->authserv_id[0] == '\0'
			 ? "the sender is not authenticated (no authserv_id configured, so no Authentication-Results"
			   " are read; see tenant set --autoack-unauthenticated)"
			 : "the sender is not authenticated (no DMARC, DKIM or SPF pass for the From domain from our"
			   " mail server)";
	return false;
}

/* Expands the template for the ticket and sends it, unless the requester
 * was acknowledged recently. A template that cannot be used is recorded
 * on the ticket: the customer's mail is never refused because of it. */
static int ack_ticket(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct db_message_in *m, const char *name, char **error_r)
{
	struct desk_template_vars vars;
	struct desk_template_error terr;
	char number[24], *body = NULL, *text, *detail;
	int ret;

	if ((ret = db_desk_ack_recent(db, tenant_id, t->team_id, t->requester_email, s->autoack_window_s, error_r)) !=
	    0) {
		if (ret < 0)
			return -1;
		detail = xasprintf("%s was acknowledged by team %s within the last %u seconds (autoack_window)",
				   t->requester_email, t->team_name, s->autoack_window_s);
		ret = desk_event(db, tenant_id, t->id, "ack.suppressed", "mail", detail, error_r);
		free(detail);
		return ret;
	}
	if ((ret = desk_template_load(db, tenant_id, t->team_id, name, &body, error_r)) <= 0)
		return ret < 0 ? -1 : desk_event(db, tenant_id, t->id, "ack.failed", "mail", "no such template", error_r);
	desk_template_vars_fill(t, NULL, number, &vars);
	text = desk_template_expand(body, strlen(body), &vars, NULL, &terr);
	if (text == NULL) {
		detail = xasprintf("template \"%s\": %u:%u: %s", name, terr.line, terr.column, terr.message);
		ret = desk_event(db, tenant_id, t->id, "ack.failed", "mail", detail, error_r);
		free(detail);
	} else {
		ret = ack_send(db, s, tenant_id, t, m, text, error_r);
	}
	free(text);
	free(body);
	return ret;
}

int desk_ack(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
	     const struct db_message_in *m, const struct db_delivery_result *r, char **error_r)
{
	struct desk_ticket t;
	const char *why;
	char *name = NULL, *detail;
	bool unauthenticated_ok = false;
	int ret;

	if ((ret = db_desk_autoack(db, tenant_id, team_id, &name, &unauthenticated_ok, error_r)) <= 0)
		return ret;
	/* 1 send, 0 hold back (why says why). */
	ret = desk_may_autoreply(m, &why) && ack_sender_ok(s, unauthenticated_ok, m, &why) ? 1 : 0;
	if (ret == 0) {
		detail = xasprintf("not acknowledged: %s", why);
		ret = desk_event(db, tenant_id, r->ticket_id, "ack.suppressed", "mail", detail, error_r);
		free(detail);
	} else if (ret > 0 && (ret = desk_ticket_load(db, s, tenant_id, r->ticket_id, &t, error_r)) == 0) {
		ret = ack_ticket(db, s, tenant_id, &t, m, name, error_r);
		desk_ticket_free(&t);
	}
	free(name);
	return ret;
}
