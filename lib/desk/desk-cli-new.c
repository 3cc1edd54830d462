/* "maildeskctl ticket new": an agent starts a conversation. The ticket is
 * created with the customer as requester and the agent as assignee, and
 * its first mail goes out from the team like any answer, so the
 * customer's reply threads back onto it. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "db/db-ticket.h"
#include "db/db-desk-team.h"

/* Mail to one of our own aliases would come straight back as a ticket. */
static int to_check(struct db *db, const char *to, char **error_r)
{
	char *team = NULL;
	int found = db_desk_team_by_alias(db, to, &team, error_r);

	if (found > 0)
		*error_r = xasprintf("%s is the address of team \"%s\": a ticket cannot be sent to maildesk itself", to,
				     team);
	free(team);
	return found != 0 ? -1 : 0;
}

/* Inserts the ticket with the customer (as a contact: the same row as
 * when they write in) as requester, assigned to the agent; *ticket_id_r
 * gets its row. */
static int ticket_insert(struct db *db, const struct desk_cli_ticket *n, const struct desk_agent *a,
			 int64_t *ticket_id_r, char **error_r)
{
	struct db_ticket_new t = { .tenant_id = n->tenant_id, .team_id = n->team_id, .assignee_id = a->id,
				   .subject = n->subject };
	int64_t number;

	if (db_contact_upsert(db, n->tenant_id, n->to, NULL, &t.requester_id, error_r) < 0)
		return -1;
	return db_ticket_create(db, &t, ticket_id_r, &number, error_r);
}

/* Commands, then the first mail; the ticket t exists already. */
static int first_mail(struct db *db, const struct desk_settings *s, const struct desk_cli_ticket *n,
		      const struct desk_ticket *t, const struct desk_agent *a, char **error_r)
{
	const struct desk_outgoing o = {
		.kind = DB_OUTBOUND_NEW, .detail = "first mail written with maildeskctl",
		.attachments = n->attachments, .n_attachments = n->n_attachments,
	};
	struct agent_reply *reply = NULL;
	char *out = NULL;
	size_t out_len;
	int ret = desk_cli_commands(db, s, n->tenant_id, t, a, n->text, n->len, &reply, error_r);

	if (ret == 0 && reply->has_note) {
		*error_r = xstrdup("a new ticket cannot start with #note: its first mail goes to the customer");
		ret = -1;
	} else if (ret == 0 && !desk_reply_sends(reply)) {
		*error_r = xstrdup("nothing to send: the text is empty");
		ret = -1;
	}
	if (ret == 0)
		ret = desk_reply_text(db, n->tenant_id, t, a, reply, n->text + reply->text_offset,
				      n->len - reply->text_offset, &out, &out_len, error_r);
	if (ret == 0)
		ret = desk_customer_send(db, s, n->tenant_id, t, a, out, out_len, &o, error_r);
	free(out);
	agent_reply_free(&reply);
	return ret;
}

int desk_cli_new(struct db *db, const struct desk_settings *s, const struct desk_cli_ticket *n, int64_t *number_r,
		 char **error_r)
{
	struct desk_agent a;
	struct desk_ticket t;
	int64_t ticket_id;
	char *detail;
	int ret;

	if (n->subject[0] == '\0') {
		*error_r = xstrdup("the subject is empty");
		return -1;
	}
	if (to_check(db, n->to, error_r) < 0 || desk_cli_agent(db, n->tenant_id, n->agent_email, &a, error_r) < 0)
		return -1;
	ret = ticket_insert(db, n, &a, &ticket_id, error_r);
	/* The order before the first mail, so its templates can show it. */
	if (ret == 0 && n->order != NULL &&
	    desk_ticket_set_order(db, n->tenant_id, ticket_id, DB_ORDER_REF, n->order, DESK_ORDER_CLI, a.email,
				  error_r) < 0)
		ret = -1;
	if (ret == 0)
		ret = desk_ticket_load(db, s, n->tenant_id, ticket_id, &t, error_r);
	if (ret < 0) {
		desk_agent_free(&a);
		return -1;
	}
	if (t.team_alias[0] == '\0') {
		*error_r = xasprintf("team \"%s\" has no alias to send from: add one with \"maildeskctl team alias add\"",
				     t.team_name);
		ret = -1;
	}
	detail = xasprintf("started by %s with maildeskctl, first mail to %s", a.email, t.requester_email);
	if (ret == 0)
		ret = desk_event(db, n->tenant_id, t.id, "created", a.email, detail, error_r);
	if (ret == 0)
		ret = first_mail(db, s, n, &t, &a, error_r);
	/* Its SLA targets, with the first response already given: ours. */
	if (ret == 0)
		ret = desk_sla_update(db, n->tenant_id, t.id, error_r);
	if (ret == 0)
		ret = desk_sla_first_response(db, n->tenant_id, t.id, error_r);
	if (ret == 0)
		*number_r = t.number;
	free(detail);
	desk_ticket_free(&t);
	desk_agent_free(&a);
	return ret;
}
