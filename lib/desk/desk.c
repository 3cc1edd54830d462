/* Dispatch: is this mail a customer's, or did it come through an agent's
 * reply address? */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/log.h"
#include "base/xalloc.h"
#include "desk/desk-webhook.h"

bool desk_may_autoreply(const struct db_message_in *m, const char **why_r)
{
	struct agent_mail_facts f = {
		.envelope_sender = m->envelope_from, .headers = m->fields, .headers_count = m->n_fields,
		.from_address = m->from_addr,
	};

	return agent_may_autoreply(&f, why_r);
}

/* Contract in desk-private.h. */
void desk_sender_auth(const struct desk_settings *s, const struct db_message_in *m, struct agent_auth_verdict *v_r)
{
	const char *at = m->from_addr != NULL ? strrchr(m->from_addr, '@') : NULL;

	/* An author who is not exactly one mailbox is vouched for by nobody. */
	agent_auth_results_read(m->fields, m->n_fields, s->authserv_id,
				at != NULL && m->from_count <= 1 ? at + 1 : NULL, v_r);
}

/* Contract in desk.h. */
void desk_inbound_trust(const struct desk_settings *s, struct db_message_in *m)
{
	struct agent_auth_verdict v;

	desk_sender_auth(s, m, &v);
	m->sender_authenticated = agent_auth_verdict_author(&v);
	m->agents_need_auth = s->require_dkim;
}

/* One automatic step after a customer's message is stored. */
enum desk_step { DESK_STEP_RULES, DESK_STEP_NOTIFY, DESK_STEP_ACK, DESK_STEP_ORDER };

static int desk_step_run(enum desk_step step, struct db *db, const struct desk_settings *s, int64_t tenant_id,
			 int64_t team_id, const struct db_message_in *m, const struct db_delivery_result *r,
			 char **error_r)
{
	switch (step) {
	case DESK_STEP_RULES:
		return desk_rules_inbound(db, s, tenant_id, m, r, error_r);
	case DESK_STEP_NOTIFY:
		return desk_notify_agents(db, s, tenant_id, m, r, 0, error_r);
	case DESK_STEP_ACK:
		return desk_ack(db, s, tenant_id, team_id, m, r, error_r);
	case DESK_STEP_ORDER:
		return desk_order_extract(db, s, tenant_id, m, r, error_r);
	}
	return 0;
}

/* Runs a step inside a savepoint: when it fails, what it wrote is undone,
 * the failure is logged and recorded on the ticket (automation.failed),
 * and the delivery goes on, so the message is stored and answered 250
 * rather than deferred again and again for something no retry can fix.
 * Returns -1 only when the transaction itself is lost. */
static int desk_step_guarded(enum desk_step step, struct db *db, const struct desk_settings *s, int64_t tenant_id,
			     int64_t team_id, const struct db_message_in *m, const struct db_delivery_result *r,
			     char **error_r)
{
	static const char *const names[] = { "rules", "notifications", "acknowledgement", "order extraction" };
	char *why = NULL, q[300], *detail;
	int ret;

	if (db_savepoint(db, "desk_step", error_r) < 0)
		return -1;
	/* db_flush: what the step queued (a pipelined delivery) failing is
	 * the step's own failure, undone below like any other. */
	if (desk_step_run(step, db, s, tenant_id, team_id, m, r, &why) == 0 && db_flush(db, &why) == 0) {
		free(why);
		return db_release(db, "desk_step", error_r);
	}
	if (db_rollback_to(db, "desk_step", error_r) < 0 || db_release(db, "desk_step", error_r) < 0) {
		free(why);
		return -1;
	}
	log_quote(q, sizeof(q), why != NULL ? why : "", why != NULL ? strlen(why) : 0, 250);
	log_warn("event=automation.failed tenant=%" PRId64 " ticket_id=%" PRId64 " step=%s error=%s", tenant_id,
		 r->ticket_id, names[step], q);
	detail = xasprintf("%s failed, the message is stored: %s", names[step], q);
	ret = desk_event(db, tenant_id, r->ticket_id, "automation.failed", "mail", detail, error_r);
	free(detail);
	free(why);
	return ret;
}

/* A customer's message is stored: the tenant's webhooks hear of it (in
 * this transaction, with the order found in it, before the rules' changes,
 * which follow as their own events). */
static int message_received_emit(struct db *db, int64_t tenant_id, const struct db_message_in *m,
				 const struct db_delivery_result *r, char **error_r)
{
	json_t *extra = json_object();
	int ret;

	json_object_set_new(extra, "message", desk_webhook_message(r->message_id, m->from_addr, m->subject,
								   m->text_body, m->n_attachments));
	ret = desk_webhook_emit(db, tenant_id, "message.received", r->ticket_id, extra, error_r);
	json_decref(extra);
	return ret;
}

/* Contract in desk-private.h. */
int desk_react(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t team_id,
	       const struct db_message_in *m, const struct db_delivery_result *r, char **error_r)
{
	if (r->bounce_outbound_id != 0 && desk_is_delivery_report(m))
		return desk_bounce(db, s, tenant_id, m, r, error_r);
	/* Anything else to a return path is mail like any other, on the
	 * ticket it threaded to; only the event says where it came in. */
	if (r->bounce_outbound_id != 0 && desk_verp_not_report(db, tenant_id, m, r, error_r) < 0)
		return -1;
	if (r->token_agent_id != 0 && strcmp(r->match_reason, "token") == 0)
		return desk_agent_mail(db, s, tenant_id, m, r, error_r);
	/* Rules first (automatic mail too: routing is no answer; their mail
	 * actions check RFC 3834 themselves), so the notification goes to
	 * the team and assignee they chose. Each step in a savepoint of its
	 * own: a failure there never costs the message. */
	/* The order first (when the tenant has patterns): rules and
	 * notifications then see it. */
	if ((r->order_patterns_version != 0 &&
	     desk_step_guarded(DESK_STEP_ORDER, db, s, tenant_id, team_id, m, r, error_r) < 0) ||
	    message_received_emit(db, tenant_id, m, r, error_r) < 0 ||
	    desk_step_guarded(DESK_STEP_RULES, db, s, tenant_id, team_id, m, r, error_r) < 0 ||
	    desk_step_guarded(DESK_STEP_NOTIFY, db, s, tenant_id, team_id, m, r, error_r) < 0)
		return -1;
	/* No template: nothing to acknowledge with, not even a savepoint. */
	if (!r->new_ticket || r->skip_ack)
		return 0;
	return desk_step_guarded(DESK_STEP_ACK, db, s, tenant_id, team_id, m, r, error_r);
}
