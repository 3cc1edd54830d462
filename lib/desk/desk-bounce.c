/* Delivery reports (RFC 3464) that come back to the signed return path of
 * one of our mails: that mail is marked failed, the report stays on its
 * ticket with the diagnostic, and the agent who wrote it is told. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agent/agent.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "db/db-desk-bounce.h"
#include "mime/mime-dsn.h"

/* What the report says of the recipient it is about (lib/mime parsed
 * the stranger's text with the message: mime_dsn_main); the defaults for
 * a report without a (non-empty) delivery-status part are ours. */
static const struct mime_dsn_recipient *dsn_read(const struct db_message_in *m)
{
	static const struct mime_dsn_recipient none = {
		.action = "failed", .status = "", .final_recipient = "", .original_recipient = "",
		.diagnostic = "a delivery report without a delivery-status part",
	};
	static const struct mime_dsn_recipient empty = {
		.action = "", .status = "", .diagnostic = "", .final_recipient = "", .original_recipient = "",
	};
	const struct mime_dsn_recipient *r;

	if (m->dsn == NULL)
		return &none;
	r = mime_dsn_main(m->dsn);
	return r != NULL ? r : &empty;
}

/* The agent whose answer this outbound row carried: 1 (*agent_id_r set,
 * 0 for none), 0 no such row, -1 error. */
static int outbound_agent(struct db *db, int64_t tenant_id, int64_t id, int64_t *agent_id_r, char **error_r)
{
	struct db_desk_outbound_origin o;
	int found = db_desk_outbound_origin(db, tenant_id, id, &o, error_r);

	*agent_id_r = found > 0 ? o.agent_id : 0;
	return found;
}

/* Tells the agent their mail did not arrive. */
static int bounce_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			 int64_t agent_id, const char *why, char **error_r)
{
	struct desk_ticket t;
	struct desk_agent a;
	int found, ret;

	if ((found = desk_agent_load(db, tenant_id, agent_id, &a, error_r)) <= 0)
		return found;
	if (desk_ticket_load(db, s, tenant_id, ticket_id, &t, error_r) < 0) {
		desk_agent_free(&a);
		return -1;
	}
	char *body = xasprintf("Your mail about ticket %" PRId64 " (\"%s\") could not be delivered.\n\n%s\n\n"
			       "The delivery report is stored on the ticket.\n",
			       t.number, t.subject, why);

	ret = desk_agent_notice(db, s, tenant_id, &t, &a, "Undeliverable: ", body, NULL, error_r);
	free(body);
	desk_ticket_free(&t);
	desk_agent_free(&a);
	return ret;
}

int desk_outbound_failed(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t outbound_id,
			 const char *why, char **error_r)
{
	struct db_desk_outbound_origin o;
	int found = db_desk_outbound_origin(db, tenant_id, outbound_id, &o, error_r);

	if (found <= 0)
		return found;
	if (!o.agent_mail || o.ticket_id == 0 || o.agent_id == 0)
		return 0; /* automatic mail, no ticket or no author: nobody to tell */
	return bounce_notice(db, s, tenant_id, o.ticket_id, o.agent_id, why, error_r);
}

bool desk_is_delivery_report(const struct db_message_in *m)
{
	if (m->envelope_from == NULL || m->envelope_from[0] != '\0' || m->content_type == NULL ||
	    strcasecmp(m->content_type, "multipart/report") != 0)
		return false;
	for (size_t i = 0; i < m->n_attachments; i++)
		if (mime_dsn_is_status_type(m->attachments[i].content_type))
			return true;
	return false;
}

int desk_verp_not_report(struct db *db, int64_t tenant_id, const struct db_message_in *m,
			 const struct db_delivery_result *r, char **error_r)
{
	char from[200];
	const char *env = m->envelope_from != NULL ? m->envelope_from : "";
	int ret;

	log_quote(from, sizeof(from), env, strlen(env), 150);
	char *why = xasprintf("mail to the return path of outbound mail %" PRId64 " is no delivery report"
			      " (envelope sender <%s>, %s): stored as a message, delivery state unchanged",
			      r->bounce_outbound_id, from, m->content_type != NULL ? m->content_type : "?");
	log_info("event=mail.verp-not-report tenant=%" PRId64 " ticket_id=%" PRId64 " outbound_id=%" PRId64
		 " envelope_from=%s", tenant_id, r->ticket_id, r->bounce_outbound_id, from);
	ret = desk_event(db, tenant_id, r->ticket_id, "mail.verp-not-report", "mail", why, error_r);
	free(why);
	return ret;
}

int desk_bounce(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
		const struct db_delivery_result *r, char **error_r)
{
	const struct mime_dsn_recipient *d = dsn_read(m);
	char *why;
	int64_t agent;
	int ret;

	if (desk_message_mark(db, tenant_id, r->message_id, "bounce", 0, error_r) < 0)
		return -1;
	if (strcasecmp(d->action, "failed") != 0) {
		why = xasprintf("delivery report (%s) for outbound mail %" PRId64 ": %s %s", d->action[0] ? d->action : "?",
				r->bounce_outbound_id, d->status, d->diagnostic);
		ret = desk_event(db, tenant_id, r->ticket_id, "mail.report", "mail", why, error_r);
	} else {
		why = xasprintf("bounced: %s%s%s %s", d->final_recipient, d->final_recipient[0] ? ": " : "", d->status,
				d->diagnostic);
		ret = db_desk_outbound_fail(db, tenant_id, r->bounce_outbound_id, why, error_r);
		if (ret == 0)
			ret = desk_event(db, tenant_id, r->ticket_id, "mail.bounced", "mail", why, error_r);
		if (ret == 0 && (ret = outbound_agent(db, tenant_id, r->bounce_outbound_id, &agent, error_r)) >= 0)
			ret = agent == 0 ? 0 : bounce_notice(db, s, tenant_id, r->ticket_id, agent, why, error_r);
	}
	free(why);
	return ret;
}
