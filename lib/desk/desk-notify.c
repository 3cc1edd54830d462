/* Notifications: the agents who should know get the customer's message
 * by mail, with a reply address that brings their answer back. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-connection.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "mime/mime-compose.h"
#include "text/text.h"

/* Agents in status online get mail; others only when they asked for it. */
static bool agent_wants_mail(const struct desk_agent *a)
{
	return strcmp(a->status, "online") == 0 || a->notify_offline;
}

/* Contract in desk-private.h. */
void desk_agent_footer(struct buf *b, const struct desk_settings *s, int64_t tenant_id, const char *team_alias,
		       int64_t agent_id)
{
	int64_t life = s->agent_token_lifetime_s != 0 ? s->agent_token_lifetime_s : DESK_AGENT_TOKEN_LIFETIME_DEFAULT;
	time_t until = time(NULL) + (time_t)life;
	char *control = desk_control_address_make(s, tenant_id, team_alias, agent_id);
	char date[32];
	struct tm tm;

	gmtime_r(&until, &tm);
	strftime(date, sizeof(date), "%Y-%m-%d %H:%M UTC", &tm);
	buf_printf(b, "\n-- \nThe reply address of this notification works until %s.\n", date);
	if (control != NULL)
		buf_printf(b, "Your status: mail %s with a first line such as \"#status away\".\n", control);
	free(control);
}

/* The short block an agent sees first, then the customer's new text.
 * heading: "New ticket", "Customer reply", "Snooze ended". */
static char *notification_body(const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			       const struct desk_agent *a, const struct db_message_in *m, const char *heading,
			       const struct desk_notify_attach *na)
{
	struct buf b;
	size_t n = text_reply_new_len(m->text_body, strlen(m->text_body));

	buf_init(&b, 0);
	buf_printf(&b, "%s\n\n", TEXT_REPLY_MARKER);
	buf_printf(&b, "%s: ticket %" PRId64 ", %s\n", heading, t->number, t->subject);
	buf_printf(&b, "Status: %s | Priority: %s | Assignee: %s | Tags: %s\n", t->status,
		   desk_priority_name(t->priority), t->assignee_email[0] ? t->assignee_email : "-",
		   t->tags[0] ? t->tags : "-");
	desk_order_line(&b, t);
	buf_printf(&b, "From: %s%s<%s>\n\n", m->from_name != NULL ? m->from_name : "",
		   m->from_name != NULL && m->from_name[0] ? " " : "",
		   m->from_addr != NULL && m->from_addr[0] ? m->from_addr : t->requester_email);
	buf_append(&b, m->text_body, n);
	buf_append_str(&b, "\n");
	if (na != NULL && na->text != NULL)
		buf_printf(&b, "\n%s", na->text);
	desk_agent_footer(&b, s, tenant_id, t->team_alias, a->id);
	return buf_steal(&b, NULL);
}

/* Composes and queues the notification for one agent. */
static int notify_one(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct desk_agent *a, const struct db_message_in *m, const char *heading,
		      const struct desk_notify_attach *na, char **error_r)
{
	char *body = notification_body(s, tenant_id, t, a, m, heading, na);
	char *reply_to_addr = desk_reply_address(s, tenant_id, t, a->id);
	char *subject = desk_subject(t, "");
	char *msgid = desk_message_id(s, tenant_id, t->number);
	const char *who = m->from_name != NULL && m->from_name[0] ? m->from_name : t->requester_email;
	char *from_name = xasprintf("%s via %s", who, t->team_name);
	const char *names[] = { "Auto-Submitted", "X-Maildesk-Loop", "X-Maildesk-Ticket" };
	char ticket_no[24];
	const char *values[] = { "auto-generated", s->hostname, ticket_no };
	struct mime_compose_addr to = { a->name, a->email }, reply_to = { NULL, reply_to_addr };
	const char *refs[2];
	size_t n_refs = 0, len;
	char *data;
	int ret;

	snprintf(ticket_no, sizeof(ticket_no), "%" PRId64, t->number);
	if (m->message_id != NULL)
		refs[n_refs++] = m->message_id;
	struct mime_compose c = {
		.from = { from_name, t->team_alias }, .reply_to = &reply_to, .to = &to, .n_to = 1,
		.subject = subject, .date = (int64_t)time(NULL), .message_id = msgid,
		.in_reply_to = m->message_id, .references = refs, .n_references = n_refs, .text = body,
		.extra_names = names, .extra_values = values, .n_extra = 3,
		.attachments = na != NULL ? na->carry : NULL, .n_attachments = na != NULL ? na->n_carry : 0,
	};
	data = mime_compose(&c, &len);
	const char *rcpts[1] = { a->email };
	ret = desk_queue(db, s, tenant_id, t->id, DB_OUTBOUND_NOTIFICATION, "", rcpts, 1, data, len, msgid, error_r);
	free(data);
	free(body);
	free(reply_to_addr);
	free(subject);
	free(msgid);
	free(from_name);
	return ret;
}

/* Who handles the ticket: the team's agents, or the delegates of the
 * provider that handles the brand's ticket (desk-connection.h). */
static int ticket_agents(struct db *db, int64_t tenant_id, const struct desk_ticket *t, struct desk_agent **agents_r,
			 size_t *n_r, char **error_r)
{
	int64_t *ids = NULL;
	size_t n = 0, k = 0;
	int found = 0;

	if (desk_connection_handlers(db, tenant_id, t->id, &ids, &n, error_r) < 0)
		return -1;
	if (n == 0) {
		free(ids);
		return desk_team_agents(db, tenant_id, t->team_id, agents_r, n_r, error_r);
	}
	*agents_r = xcalloc(n, sizeof(**agents_r));
	for (size_t i = 0; i < n && found >= 0; i++)
		if ((found = desk_agent_load(db, tenant_id, ids[i], &(*agents_r)[k], error_r)) > 0)
			k++;
	free(ids);
	*n_r = k;
	if (found < 0) {
		desk_agents_free(agents_r, k);
		return -1;
	}
	return 0;
}

/* Mails the assignee when there is one, else the team's agents, each
 * when online or asked for mail while offline. */
static int notify_ticket_agents(struct db *db, const struct desk_settings *s, int64_t tenant_id,
				const struct desk_ticket *t, const struct db_message_in *m, const char *heading,
				const struct desk_notify_attach *na, int64_t skip_agent_id, char **error_r)
{
	struct desk_agent *agents = NULL;
	size_t n = 0;
	bool assignee_among = false;
	int ret = 0;

	if (ticket_agents(db, tenant_id, t, &agents, &n, error_r) < 0)
		return -1;
	/* The assignee is mailed alone when among them; an assignee who is
	 * not (moved out of the team, a provider's delegate after a
	 * disconnect) does not silence the ticket: all of them are mailed. */
	for (size_t i = 0; i < n; i++)
		assignee_among = assignee_among || agents[i].id == t->assignee_id;
	for (size_t i = 0; i < n && ret == 0; i++) {
		const struct desk_agent *a = &agents[i];
		/* The assignee alone when there is one, else all of them. */
		if ((assignee_among && a->id != t->assignee_id) || a->id == skip_agent_id || !agent_wants_mail(a))
			continue;
		ret = notify_one(db, s, tenant_id, t, a, m, heading, na, error_r);
	}
	desk_agents_free(&agents, n);
	return ret;
}

int desk_notify_agents(struct db *db, const struct desk_settings *s, int64_t tenant_id,
		       const struct db_message_in *m, const struct db_delivery_result *r, int64_t skip_agent_id,
		       char **error_r)
{
	struct desk_ticket t;
	struct desk_notify_attach na;
	const char *why;
	int ret;

	if (!desk_may_autoreply(m, &why)) {
		char detail[200];
		snprintf(detail, sizeof(detail), "agents not notified: %s", why);
		return desk_event(db, tenant_id, r->ticket_id, "notification.suppressed", "mail", detail, error_r);
	}
	if (desk_ticket_load(db, s, tenant_id, r->ticket_id, &t, error_r) < 0)
		return -1;
	ret = desk_notify_attach_load(db, tenant_id, &t, r->message_id, m, &na, error_r);
	if (ret == 0)
		ret = notify_ticket_agents(db, s, tenant_id, &t, m, r->new_ticket ? "New ticket" : "Customer reply",
					   &na, skip_agent_id, error_r);
	desk_notify_attach_free(&na);
	desk_ticket_free(&t);
	return ret;
}

/* Contract in desk-private.h. The mail looks like the others: "from" the
 * requester via the team, with the agent's signed reply address. */
int desk_notify_ticket(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		       const char *heading, const char *text, char **error_r)
{
	struct desk_ticket t;
	int ret;

	if (desk_ticket_load(db, s, tenant_id, ticket_id, &t, error_r) < 0)
		return -1;
	struct db_message_in m = { .from_name = t.requester_name, .from_addr = t.requester_email,
				   .text_body = text };
	ret = notify_ticket_agents(db, s, tenant_id, &t, &m, heading, NULL, 0, error_r);
	desk_ticket_free(&t);
	return ret;
}
