/* Working from the shell: "maildeskctl ticket reply" does what an agent's
 * mailed answer does (commands, templates, the mail to the customer), and
 * "ticket note" adds an internal note. Everything runs in the caller's
 * transaction. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-deliver.h"
#include "desk/desk-connection.h"
#include "db/db-ticket.h"
#include "db/db-desk-facts.h"
#include "db/db-desk-mail.h"
#include "mime/mime-compose.h"
#include "text/text.h"

int desk_cli_agent(struct db *db, int64_t tenant_id, const char *email, struct desk_agent *a, char **error_r)
{
	char *tenant = NULL;
	int64_t id = 0;
	int found = db_desk_agent_find(db, tenant_id, email, &id, error_r);

	if (found < 0)
		return -1;
	if (found == 0) {
		if ((found = db_desk_tenant_name(db, tenant_id, &tenant, error_r)) < 0)
			return -1;
		*error_r = xasprintf("\"%s\" is not an agent of tenant \"%s\"", email, found > 0 ? tenant : "?");
		free(tenant);
		return -1;
	}
	switch (desk_agent_load(db, tenant_id, id, a, error_r)) {
	case 1:
		return 0;
	case 0:
		*error_r = xasprintf("agent \"%s\" was removed meanwhile", email);
		return -1;
	default:
		return -1;
	}
}

int desk_cli_touch(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	int64_t number;

	return db_ticket_touch(db, tenant_id, ticket_id, false, &number, NULL, error_r);
}

/* Locks the ticket a command names and finds its tenant. A merged ticket
 * is only a pointer to another one: the user is sent there. */
static int cli_ticket_lock(struct db *db, int64_t number, int64_t *tenant_id_r, int64_t *id_r, char **error_r)
{
	struct db_ticket_row r;
	int found = db_ticket_lock_number(db, number, &r, error_r);

	if (found < 0)
		return -1;
	if (found == 0) {
		*error_r = xasprintf("ticket %" PRId64 " not found", number);
		return -1;
	}
	if (strcmp(r.status, "merged") == 0) {
		if (r.merged_into_number != 0)
			*error_r = xasprintf("ticket %" PRId64 " is merged into ticket %" PRId64 ": write there", number,
					     r.merged_into_number);
		else
			*error_r = xasprintf("ticket %" PRId64 " is merged into ticket ?: write there", number);
		return -1;
	}
	*tenant_id_r = r.tenant_id;
	*id_r = r.id;
	return 0;
}

/* The one check (desk-connection.h): 0 when the agent may act on the
 * ticket, else -1 with the reason. */
static int cli_may_act(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct desk_agent *a,
		       int64_t number, char **error_r)
{
	char *why = NULL;
	int may = desk_agent_may_act(db, tenant_id, ticket_id, a->id, &why, error_r);

	if (may == 0) {
		*error_r = xasprintf("%s may not act on ticket %" PRId64 ": %s", a->email, number, why);
		free(why);
	}
	return may > 0 ? 0 : -1;
}

/* What a shell command works on: the ticket and the agent who writes. */
struct cli_work {
	int64_t tenant_id;
	struct desk_ticket t;
	struct desk_agent a;
	bool have_t, have_a;
};

/* Locks the ticket, then finds the agent in its tenant, then loads it. */
static int cli_work_load(struct db *db, const struct desk_settings *s, int64_t number, const char *agent_email,
			 struct cli_work *w, char **error_r)
{
	int64_t ticket_id;

	memset(w, 0, sizeof(*w));
	if (cli_ticket_lock(db, number, &w->tenant_id, &ticket_id, error_r) < 0)
		return -1;
	if (desk_cli_agent(db, w->tenant_id, agent_email, &w->a, error_r) < 0)
		return -1;
	w->have_a = true;
	if (cli_may_act(db, w->tenant_id, ticket_id, &w->a, number, error_r) < 0)
		return -1;
	if (desk_ticket_load(db, s, w->tenant_id, ticket_id, &w->t, error_r) < 0)
		return -1;
	w->have_t = true;
	return 0;
}

/* Frees what cli_work_load() got, also after it failed halfway. */
static void cli_work_free(struct cli_work *w)
{
	if (w->have_t)
		desk_ticket_free(&w->t);
	if (w->have_a)
		desk_agent_free(&w->a);
}

/* The note as a message of the ticket (trailing blank lines dropped):
 * direction 'in' like a note an agent mails in (it comes into the ticket,
 * it is never sent), without raw bytes since nothing was received. */
static int note_store(struct db *db, const struct cli_work *w, const char *text, size_t len, char **error_r)
{
	struct db_desk_note n = {
		.tenant_id = w->tenant_id, .ticket_id = w->t.id, .team_id = w->t.team_id, .agent_id = w->a.id,
		.from_name = w->a.name, .from_addr = w->a.email, .reason = "agent",
		.detail = "note written with maildeskctl",
	};
	char *body;
	int ret;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	n.text = body = xstrndup(text, len);
	ret = db_desk_note_add(db, &n, error_r);
	free(body);
	return ret;
}

/* The notification of a note: who wrote it, the ticket, the note. */
static char *note_mail_body(const struct desk_settings *s, const struct cli_work *w, int64_t to_agent_id,
			    const char *text, size_t len)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "%s\n\n", TEXT_REPLY_MARKER);
	buf_printf(&b, "Internal note by %s on ticket %" PRId64 ", %s\n", w->a.name[0] ? w->a.name : w->a.email,
		   w->t.number, w->t.subject);
	buf_printf(&b, "Status: %s | Priority: %s | Assignee: %s | Tags: %s\n", w->t.status,
		   desk_priority_name(w->t.priority), w->t.assignee_email, w->t.tags[0] ? w->t.tags : "-");
	desk_order_line(&b, &w->t);
	buf_append_str(&b, "\n");
	buf_append(&b, text, len);
	buf_append_str(&b, "\n\nA reply to this mail goes to the customer; start it with #note to answer "
			   "internally.\n");
	desk_agent_footer(&b, s, w->tenant_id, w->t.team_alias, to_agent_id);
	return buf_steal(&b, NULL);
}

/* Mails the note to the assignee, as customer mail is: with a reply
 * address that brings the assignee's answer back. */
static int note_mail(struct db *db, const struct desk_settings *s, const struct cli_work *w,
		     const struct desk_agent *to_agent, const char *text, size_t len, char **error_r)
{
	char *body = note_mail_body(s, w, to_agent->id, text, len);
	char *reply_addr = desk_reply_address(s, w->tenant_id, &w->t, to_agent->id);
	char *subject = desk_subject(&w->t, "Note: ");
	char *msgid = desk_message_id(s, w->tenant_id, w->t.number);
	char *from_name = xasprintf("%s via %s", w->a.name[0] ? w->a.name : w->a.email, w->t.team_name);
	char ticket_no[24];
	const char *names[] = { "Auto-Submitted", AGENT_LOOP_HEADER, "X-Maildesk-Ticket" };
	const char *values[] = { "auto-generated", s->hostname, ticket_no };
	struct mime_compose_addr to = { to_agent->name, to_agent->email }, reply_to = { NULL, reply_addr };
	const char *rcpts[1] = { to_agent->email };
	size_t dlen;
	int ret;

	snprintf(ticket_no, sizeof(ticket_no), "%" PRId64, w->t.number);
	struct mime_compose c = {
		.from = { from_name, w->t.team_alias }, .reply_to = &reply_to, .to = &to, .n_to = 1,
		.subject = subject, .date = (int64_t)time(NULL), .message_id = msgid, .text = body,
		.extra_names = names, .extra_values = values, .n_extra = 3,
	};
	char *data = mime_compose(&c, &dlen);
	ret = desk_queue(db, s, w->tenant_id, w->t.id, DB_OUTBOUND_NOTIFICATION, "", rcpts, 1, data, dlen, msgid,
			 error_r);
	free(data);
	free(from_name);
	free(msgid);
	free(subject);
	free(reply_addr);
	free(body);
	return ret;
}

int desk_note_notify(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		     const struct desk_agent *author, const char *text, size_t len, char **error_r)
{
	struct cli_work w = { .tenant_id = tenant_id, .t = *t, .a = *author };
	struct desk_agent assignee;
	int found, ret = 0;

	if (t->assignee_id == 0 || t->assignee_id == author->id)
		return 0;
	if ((found = desk_agent_load(db, tenant_id, t->assignee_id, &assignee, error_r)) <= 0)
		return found < 0 ? -1 : 0;
	if (strcmp(assignee.status, "online") == 0 || assignee.notify_offline)
		ret = note_mail(db, s, &w, &assignee, text, len, error_r);
	desk_agent_free(&assignee);
	return ret;
}

/* Stores the note and tells the assignee when someone else wrote it.
 * *done_r says which. */
static int note_add(struct db *db, const struct desk_settings *s, const struct cli_work *w, const char *text,
		    size_t len, char **done_r, char **error_r)
{
	struct desk_agent assignee;
	int found;

	if (note_store(db, w, text, len, error_r) < 0 ||
	    desk_event(db, w->tenant_id, w->t.id, "note", w->a.email, "internal note with maildeskctl", error_r) < 0 ||
	    desk_cli_touch(db, w->tenant_id, w->t.id, error_r) < 0)
		return -1;
	if (w->t.assignee_id == 0 || w->t.assignee_id == w->a.id) {
		*done_r = xasprintf("ticket %" PRId64 ": note added", w->t.number);
		return 0;
	}
	if ((found = desk_agent_load(db, w->tenant_id, w->t.assignee_id, &assignee, error_r)) <= 0)
		return found < 0 ? -1 : 0;
	if (strcmp(assignee.status, "online") == 0 || assignee.notify_offline) {
		if (note_mail(db, s, w, &assignee, text, len, error_r) < 0) {
			desk_agent_free(&assignee);
			return -1;
		}
		*done_r = xasprintf("ticket %" PRId64 ": note added, %s notified", w->t.number, assignee.email);
	} else {
		*done_r = xasprintf("ticket %" PRId64 ": note added (%s is %s: not notified)", w->t.number,
				    assignee.email, assignee.status);
	}
	desk_agent_free(&assignee);
	return 0;
}

int desk_cli_note(struct db *db, const struct desk_settings *s, int64_t ticket_number, const char *agent_email,
		  const char *text, size_t len, char **done_r, char **error_r)
{
	struct cli_work w;
	int ret;

	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (len == 0) {
		*error_r = xstrdup("the note is empty");
		return -1;
	}
	ret = cli_work_load(db, s, ticket_number, agent_email, &w, error_r);
	if (ret == 0)
		ret = note_add(db, s, &w, text, len, done_r, error_r);
	cli_work_free(&w);
	return ret;
}

int desk_cli_commands(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
		      const struct desk_agent *a, const char *text, size_t len, struct agent_reply **reply_r,
		      char **error_r)
{
	const char *perror;
	char *refused = NULL;

	if (agent_reply_parse(text, len, (int64_t)time(NULL), 0, reply_r, &perror) < 0) {
		*error_r = xstrdup(perror);
		return -1;
	}
	if (desk_commands_check(db, tenant_id, t->id, a, *reply_r, &refused, error_r) < 0)
		return -1;
	if (refused == NULL && desk_templates_check(db, tenant_id, t, *reply_r, &refused, error_r) < 0)
		return -1;
	if (refused != NULL) {
		*error_r = refused;
		return -1;
	}
	return desk_commands_apply(db, s, tenant_id, t, a, *reply_r, &refused, error_r);
}

/* What "ticket reply" prints after the commit. */
static char *reply_done(const struct desk_ticket *t, size_t n_cmds)
{
	return xasprintf("ticket %" PRId64 ": answer queued to %s%s", t->number, t->requester_email,
			 n_cmds > 0 ? " (commands applied)" : "");
}

/* The answer itself, once the commands applied. */
static int reply_send(struct db *db, const struct desk_settings *s, const struct cli_work *w,
		      const struct agent_reply *reply, const char *text, size_t len,
		      const struct mime_compose_attachment *atts, size_t n_atts, char **error_r)
{
	const struct desk_outgoing o = { .kind = DB_OUTBOUND_REPLY, .detail = "answer written with maildeskctl",
					 .attachments = atts, .n_attachments = n_atts };
	char *out;
	size_t out_len;
	int ret;

	if (desk_reply_text(db, w->tenant_id, &w->t, &w->a, reply, text + reply->text_offset, len - reply->text_offset,
			    &out, &out_len, error_r) < 0)
		return -1;
	ret = desk_customer_send(db, s, w->tenant_id, &w->t, &w->a, out, out_len, &o, error_r);
	free(out);
	if (ret == 0)
		ret = desk_event(db, w->tenant_id, w->t.id, "agent.reply", w->a.email, "answer written with maildeskctl",
				 error_r);
	return ret;
}

int desk_cli_reply(struct db *db, const struct desk_settings *s, int64_t ticket_number, const char *agent_email,
		   const char *text, size_t len, char **done_r, char **error_r)
{
	return desk_cli_reply_attach(db, s, ticket_number, agent_email, text, len, NULL, 0, done_r, error_r);
}

/* Files with a reply that sends nothing would be dropped silently. */
static int attach_check(const struct agent_reply *reply, size_t n_atts, char **error_r)
{
	if (n_atts == 0 || (!reply->has_note && desk_reply_sends(reply)))
		return 0;
	*error_r = xstrdup(reply->has_note ? "--attach with #note: a note is never sent, so its files would be lost"
					   : "--attach without text to send: the files would go nowhere");
	return -1;
}

int desk_cli_reply_attach(struct db *db, const struct desk_settings *s, int64_t ticket_number,
			  const char *agent_email, const char *text, size_t len,
			  const struct mime_compose_attachment *atts, size_t n_atts, char **done_r, char **error_r)
{
	struct cli_work w;
	struct agent_reply *reply = NULL;
	int ret = cli_work_load(db, s, ticket_number, agent_email, &w, error_r);

	if (ret == 0)
		ret = desk_cli_commands(db, s, w.tenant_id, &w.t, &w.a, text, len, &reply, error_r);
	if (ret == 0)
		ret = attach_check(reply, n_atts, error_r);
	if (ret == 0 && reply->has_note) {
		ret = note_add(db, s, &w, text + reply->text_offset, len - reply->text_offset, done_r, error_r);
	} else if (ret == 0 && desk_reply_sends(reply)) {
		ret = reply_send(db, s, &w, reply, text, len, atts, n_atts, error_r);
		if (ret == 0)
			ret = desk_cli_touch(db, w.tenant_id, w.t.id, error_r);
		/* An answer awaits the customer, unless a command said otherwise. */
		if (ret == 0 && !agent_reply_sets_status(reply))
			ret = desk_ticket_answered(db, w.tenant_id, w.t.id, w.a.email, error_r) < 0 ? -1 : 0;
		/* As for a mailed answer: #tag fires tag.added, the answer
		 * counts as the first response and runs agent.replied rules. */
		if (ret == 0)
			ret = desk_rules_tags_added(db, s, w.tenant_id, w.t.id, 0, NULL, reply, error_r);
		if (ret == 0)
			ret = desk_rules_agent_answered(db, s, w.tenant_id, w.t.id, 0, NULL, error_r);
		if (ret == 0)
			*done_r = reply_done(&w.t, reply->cmds_count);
	} else if (ret == 0 && reply->cmds_count == 0) {
		*error_r = xstrdup("nothing to send: the text is empty");
		ret = -1;
	} else if (ret == 0) {
		ret = desk_event(db, w.tenant_id, w.t.id, "agent.commands", w.a.email, "commands only, with maildeskctl",
				 error_r);
		if (ret == 0)
			*done_r = xasprintf("ticket %" PRId64 ": commands applied, nothing sent", w.t.number);
	}
	agent_reply_free(&reply);
	cli_work_free(&w);
	return ret;
}

int desk_cli_reply_address(struct db *db, const struct desk_settings *s, int64_t ticket_number,
			   const char *agent_email, char **address_r, char **error_r)
{
	struct desk_agent a = { 0 };
	struct desk_ticket t = { 0 };
	int64_t tenant_id, ticket_id;
	int ret = cli_ticket_lock(db, ticket_number, &tenant_id, &ticket_id, error_r);

	if (ret == 0 && agent_email != NULL)
		ret = desk_cli_agent(db, tenant_id, agent_email, &a, error_r);
	if (ret == 0)
		ret = desk_ticket_load(db, s, tenant_id, ticket_id, &t, error_r);
	if (ret == 0 && t.team_alias[0] == '\0') {
		*error_r = xasprintf("team \"%s\" has no alias: add one with \"maildeskctl team alias add\"",
				     t.team_name);
		ret = -1;
	}
	if (ret == 0)
		*address_r = desk_reply_address(s, tenant_id, &t, a.id);
	if (ret == 0 && strchr(*address_r, s->delimiter) == NULL) {
		free(*address_r);
		*error_r = xasprintf("cannot make a reply token for ticket %" PRId64 " (no secret?)", ticket_number);
		ret = -1;
	}
	desk_ticket_free(&t);
	desk_agent_free(&a);
	return ret;
}
