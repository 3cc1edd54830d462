/* An agent's mail to a reply address: trusted only from the agent's own
 * address; then commands, the answer to the customer, or a note. */
#include "config.h"
#include "desk/desk-private.h"
#include "desk/desk-rules.h"
#include "desk/desk-connection.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <string.h>
#include <time.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "mime/mime-compose.h"
#include "text/text.h"
#include "thread/thread.h"

/* A short mail to the agent's address on record: why nothing was sent. */
static int explain_to_agent(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			    const struct desk_ticket *t, const struct desk_agent *a, const struct db_message_in *m,
			    const char *why, char **error_r)
{
	char *body = xasprintf("Your mail about ticket %" PRId64 " (\"%s\") was not sent to the customer.\n\n%s\n\n"
			       "Nothing was changed on the ticket. Reply to the latest notification to try again.\n",
			       t->number, t->subject, why);
	int ret = desk_agent_notice(db, s, tenant_id, t, a, "Not sent: ", body, m->message_id, error_r);

	free(body);
	return ret;
}

/* The lifetime of agent reply addresses; 0 means the default. */
static int64_t token_lifetime(const struct desk_settings *s)
{
	return s->agent_token_lifetime_s != 0 ? (int64_t)s->agent_token_lifetime_s : DESK_AGENT_TOKEN_LIFETIME_DEFAULT;
}

/* A duration as a person reads it: "30 days", "12 hours", "90 seconds". */
static void duration_text(int64_t secs, char *out, size_t size)
{
	if (secs >= 86400 && secs % 86400 == 0)
		snprintf(out, size, "%" PRId64 " day%s", secs / 86400, secs == 86400 ? "" : "s");
	else if (secs >= 3600 && secs % 3600 == 0)
		snprintf(out, size, "%" PRId64 " hour%s", secs / 3600, secs == 3600 ? "" : "s");
	else
		snprintf(out, size, "%" PRId64 " second%s", secs, secs == 1 ? "" : "s");
}

/* A reply address of an agent that is too old (or from before addresses
 * expired): NULL when it may still be used, else the explanation for the
 * agent (malloc'd). */
static char *token_expired(const struct desk_settings *s, const struct db_delivery_result *r,
			   const struct desk_ticket *t, const struct desk_agent *a)
{
	struct thread_token tok = { .ticket_number = t->number, .agent_id = r->token_agent_id,
				    .issued = r->token_issued };
	int64_t lifetime = token_lifetime(s), now = (int64_t)time(NULL);
	char when[80], life[48];

	if (!thread_token_expired(&tok, now, lifetime))
		return NULL;
	duration_text(lifetime, life, sizeof(life));
	if (r->token_issued > 0) {
		duration_text(now - r->token_issued, when, sizeof(when));
		strcat(when, " ago");
	} else {
		snprintf(when, sizeof(when), "before reply addresses expired");
	}
	return xasprintf("The notification you answered has expired: it was sent %s, and the reply address of a "
			 "notification works for %s (agent_token_lifetime), so that a forwarded or leaked "
			 "notification cannot speak for you for long. Your mail was stored on the ticket as "
			 "untrusted.\n\n"
			 "To answer, reply to a newer notification of ticket %" PRId64 ", or from the shell:\n"
			 "    maildeskctl ticket reply %" PRId64 " --from %s --file ANSWER.txt",
			 when, life, t->number, t->number, a->email);
}

/* Looks up the agent an #assign names (or the replying agent for "me").
 * Returns the id, 0 when no such agent, -1 on error. */
static int64_t assign_target(struct db *db, int64_t tenant_id, const struct desk_agent *me,
			     const struct agent_cmd *cmd, char **error_r)
{
	int64_t id = 0;
	int found;

	if (cmd->assign_me)
		return me->id;
	found = db_ticket_agent_id(db, tenant_id, cmd->arg, &id, error_r);
	return found < 0 ? -1 : found > 0 ? id : 0;
}

int desk_commands_check(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct desk_agent *a,
			const struct agent_reply *reply, char **refused_r, char **error_r)
{
	for (size_t i = 0; i < reply->cmds_count; i++) {
		const struct agent_cmd *cmd = &reply->cmds[i];
		bool reopen = cmd->type == AGENT_CMD_OPEN || cmd->type == AGENT_CMD_REOPEN;

		if (reopen || cmd->type == AGENT_CMD_ORDER) {
			char *why = NULL;

			if (desk_request_change_why(db, tenant_id, ticket_id, reopen, cmd->arg, &why, error_r) < 0)
				return -1;
			if (why != NULL) {
				*refused_r = xasprintf("line %u: #%s: %s", cmd->line, agent_cmd_name(cmd->type), why);
				free(why);
				return 0;
			}
		} else if (cmd->type == AGENT_CMD_ASSIGN) {
			int64_t id = assign_target(db, tenant_id, a, cmd, error_r);
			if (id < 0)
				return -1;
			if (id == 0) {
				*refused_r = xasprintf("line %u: #assign: there is no agent %s", cmd->line, cmd->arg);
				return 0;
			}
		} else if (cmd->type == AGENT_CMD_CC_ADD) {
			/* Agents get notifications, never customers' copies. */
			struct agent_cmd as_assign = { .type = AGENT_CMD_ASSIGN, .arg = cmd->arg };
			int64_t id = assign_target(db, tenant_id, a, &as_assign, error_r);
			if (id < 0)
				return -1;
			if (id > 0) {
				*refused_r = xasprintf("line %u: #cc add: %s is an agent, not a customer", cmd->line,
						       cmd->arg);
				return 0;
			}
		}
	}
	return 0;
}

/* #snooze: an absolute time is a wall-clock time in the team's zone. */
static int command_snooze(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
			  const struct agent_cmd *cmd, char **error_r)
{
	const struct agent_wall_clock *wc = &cmd->snooze.local;
	char local[32];
	struct db_snooze w = { .kind = DB_SNOOZE_AT, .value = cmd->snooze.until };
	struct db_snoozed out;

	if (cmd->snooze.absolute) {
		snprintf(local, sizeof(local), "%04d-%02d-%02d %02d:%02d", wc->year, wc->month, wc->day, wc->hour,
			 wc->minute);
		w = (struct db_snooze){ .kind = DB_SNOOZE_LOCAL, .local = local };
	}
	return desk_ticket_snooze(db, tenant_id, t->id, &w, a->email, &out, error_r) < 0 ? -1 : 0;
}

/* Applies one parsed command that desk_commands_check() accepted, through
 * the one desk_ticket_* operation each (a command that changes nothing
 * records nothing). */
static int command_apply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			 const struct desk_agent *a, const struct agent_cmd *cmd, char **refused_r, char **error_r)
{
	int64_t id;
	bool changed;
	int ret = 0;

	switch (cmd->type) {
	case AGENT_CMD_CLOSE: ret = desk_ticket_close(db, tenant_id, t->id, a->email, NULL, error_r); break;
	case AGENT_CMD_REOPEN:
	case AGENT_CMD_OPEN: ret = desk_ticket_reopen(db, tenant_id, t->id, a->email, NULL, error_r); break;
	case AGENT_CMD_SOLVE: ret = desk_ticket_solve(db, s, tenant_id, t->id, a->email, NULL, error_r); break;
	case AGENT_CMD_SNOOZE: ret = command_snooze(db, tenant_id, t, a, cmd, error_r); break;
	case AGENT_CMD_PRIORITY:
		ret = desk_ticket_set_priority(db, tenant_id, t->id, cmd->priority, a->email, error_r);
		break;
	case AGENT_CMD_TAG:
	case AGENT_CMD_UNTAG:
		ret = desk_ticket_tag(db, tenant_id, t->id, cmd->arg, cmd->type == AGENT_CMD_UNTAG, a->email, error_r);
		break;
	case AGENT_CMD_UNASSIGN:
		ret = desk_ticket_assign_how(db, NULL, tenant_id, t->id, 0, a->email, NULL, error_r);
		break;
	case AGENT_CMD_ASSIGN:
		if ((id = assign_target(db, tenant_id, a, cmd, error_r)) <= 0)
			return -1; /* desk_commands_check() made sure it exists */
		/* No mail: as always for #assign, the agent who wrote it is
		 * the one telling. */
		ret = desk_ticket_assign_how(db, NULL, tenant_id, t->id, id, a->email, NULL, error_r);
		break;
	case AGENT_CMD_CC_ADD:
	case AGENT_CMD_CC_REMOVE:
		ret = desk_ticket_cc(db, tenant_id, t->id, cmd->arg, cmd->type == AGENT_CMD_CC_REMOVE, a->email,
				     &changed, refused_r, error_r);
		break;
	case AGENT_CMD_ORDER:
		ret = desk_ticket_set_order(db, tenant_id, t->id, DB_ORDER_REF, cmd->arg, DESK_ORDER_AGENT, a->email,
					    error_r);
		break;
	case AGENT_CMD_TEMPLATE:
	case AGENT_CMD_NOTE: break;
	}
	return ret < 0 ? -1 : 0;
}

/* Trusted only when From is one mailbox, the agent's own address (the token already
 * proved the mail answers a notification sent to that agent) and, when
 * required, our mail server vouches for the agent's domain. Returns NULL,
 * or why not (malloc'd). */
static char *sender_not_agent(const struct desk_settings *s, const struct db_message_in *m,
			      const struct desk_agent *a)
{
	const char *why, *domain = strrchr(a->email, '@');
	bool pass;

	if (m->from_count > 1)
		return xasprintf("It names %zu authors in From, so it was stored on the ticket as untrusted.",
				 m->from_count);
	if (m->from_addr == NULL || strcasecmp(m->from_addr, a->email) != 0)
		return xasprintf("It came from %s, which is not your address on record (%s), so it was stored on "
				 "the ticket as untrusted.",
				 m->from_addr != NULL && m->from_addr[0] ? m->from_addr : "an unknown sender", a->email);
	if (!s->require_dkim)
		return NULL;
	pass = agent_auth_results_pass(m->fields, m->n_fields, s->authserv_id, domain != NULL ? domain + 1 : "",
				       &why);
	return pass ? NULL
		    : xasprintf("Our mail server could not confirm it came from you (%s), so it was stored on the "
				"ticket as untrusted.",
				why);
}

/* Applies every command; stops at the first that cannot apply. */
int desk_commands_apply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const struct agent_reply *reply, char **refused_r, char **error_r)
{
	for (size_t i = 0; i < reply->cmds_count && *refused_r == NULL; i++)
		if (command_apply(db, s, tenant_id, t, a, &reply->cmds[i], refused_r, error_r) < 0)
			return -1;
	return 0;
}

/* Stores the agent's mail as what it is and records why. */
static int agent_mail_mark(struct db *db, int64_t tenant_id, const struct db_delivery_result *r, const char *kind,
			   const struct desk_agent *a, const char *event, const char *detail, char **error_r)
{
	if (desk_message_mark(db, tenant_id, r->message_id, kind, a->id, error_r) < 0)
		return -1;
	return desk_event(db, tenant_id, r->ticket_id, event, a->email, detail, error_r);
}

/* The trusted path: commands, then a note or the answer to the customer.
 * A command that does not parse or cannot apply sends nothing and changes
 * nothing: every command is checked before the first one is applied. */
static int agent_mail_handle(struct db *db, const struct desk_settings *s, int64_t tenant_id,
			     const struct db_message_in *m, const struct db_delivery_result *r,
			     const struct desk_ticket *t, const struct desk_agent *a, char **error_r)
{
	size_t new_len = text_reply_new_len(m->text_body, strlen(m->text_body));
	struct agent_reply *reply = NULL;
	const char *perror;
	char *refused = NULL, *why;
	int ret;

	if ((why = token_expired(s, r, t, a)) != NULL) {
		ret = agent_mail_mark(db, tenant_id, r, "untrusted", a, "agent.expired", why, error_r);
		if (ret == 0 && desk_may_autoreply(m, NULL))
			ret = explain_to_agent(db, s, tenant_id, t, a, m, why, error_r);
		free(why);
		return ret;
	}
	if ((why = sender_not_agent(s, m, a)) != NULL) {
		ret = agent_mail_mark(db, tenant_id, r, "untrusted", a, "agent.untrusted", why, error_r);
		if (ret == 0 && desk_may_autoreply(m, NULL))
			ret = explain_to_agent(db, s, tenant_id, t, a, m, why, error_r);
		free(why);
		return ret;
	}
	/* The one check of who may act (desk-connection.h): a brand's agent on
	 * a ticket its provider handles, a provider's agent after a
	 * disconnect. The agent is known (token and From), so told. */
	if ((ret = desk_agent_may_act(db, tenant_id, t->id, a->id, &why, error_r)) <= 0) {
		if (ret == 0) {
			char *full = xasprintf("You may not act on this ticket: %s.", why);
			ret = agent_mail_mark(db, tenant_id, r, "rejected", a, "agent.refused", full, error_r);
			if (ret == 0 && desk_may_autoreply(m, NULL))
				ret = explain_to_agent(db, s, tenant_id, t, a, m, full, error_r);
			free(full);
		}
		free(why);
		return ret;
	}
	if (agent_reply_parse(m->text_body, new_len, (int64_t)time(NULL), 0, &reply, &perror) < 0) {
		why = xasprintf("A command could not be read: %s", perror);
		ret = agent_mail_mark(db, tenant_id, r, "rejected", a, "agent.rejected", why, error_r);
		if (ret == 0)
			ret = explain_to_agent(db, s, tenant_id, t, a, m, why, error_r);
		free(why);
		agent_reply_free(&reply);
		return ret;
	}
	ret = desk_commands_check(db, tenant_id, t->id, a, reply, &refused, error_r);
	if (ret == 0 && refused == NULL)
		ret = desk_templates_check(db, tenant_id, t, reply, &refused, error_r);
	if (ret == 0 && refused != NULL) {
		why = xasprintf("A command could not be applied: %s", refused);
		ret = agent_mail_mark(db, tenant_id, r, "rejected", a, "agent.rejected", why, error_r);
		if (ret == 0)
			ret = explain_to_agent(db, s, tenant_id, t, a, m, why, error_r);
		free(why);
	} else if (ret == 0) {
		ret = desk_commands_apply(db, s, tenant_id, t, a, reply, &refused, error_r);
		if (ret == 0 && reply->has_note) {
			ret = agent_mail_mark(db, tenant_id, r, "note", a, "note", "internal note by mail", error_r);
			if (ret == 0)
				ret = desk_note_notify(db, s, tenant_id, t, a, m->text_body + reply->text_offset,
						       new_len - reply->text_offset, error_r);
		} else if (ret == 0)
			ret = agent_mail_mark(db, tenant_id, r, "agent", a, "agent.mail",
					      desk_reply_sends(reply) ? "answer" : "commands only", error_r);
		if (ret == 0 && desk_reply_sends(reply))
			ret = desk_template_reply(db, s, tenant_id, t, a, reply, m->text_body + reply->text_offset,
						  new_len - reply->text_offset, m, error_r);
		/* An answer awaits the customer, unless a command said otherwise. */
		if (ret == 0 && desk_reply_sends(reply) && !agent_reply_sets_status(reply))
			ret = desk_ticket_answered(db, tenant_id, t->id, a->email, error_r) < 0 ? -1 : 0;
		/* Rules after the answer: tag.added for each #tag, then
		 * agent.replied (with the first response for the SLA). */
		if (ret == 0)
			ret = desk_rules_tags_added(db, s, tenant_id, t->id, r->message_id, m, reply, error_r);
		if (ret == 0 && desk_reply_sends(reply))
			ret = desk_rules_agent_answered(db, s, tenant_id, t->id, r->message_id, m, error_r);
	}
	free(refused);
	agent_reply_free(&reply);
	return ret;
}

int desk_agent_mail(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct db_message_in *m,
		    const struct db_delivery_result *r, char **error_r)
{
	struct desk_ticket t;
	struct desk_agent a;
	int found, ret;

	if ((found = desk_agent_load(db, tenant_id, r->token_agent_id, &a, error_r)) < 0)
		return -1;
	if (found == 0) {
		/* A token for an agent who no longer exists: keep it, act on nothing. */
		if (desk_message_mark(db, tenant_id, r->message_id, "untrusted", 0, error_r) < 0)
			return -1;
		return desk_event(db, tenant_id, r->ticket_id, "agent.untrusted", "mail",
				  "reply address of a removed agent", error_r);
	}
	if (desk_ticket_load(db, s, tenant_id, r->ticket_id, &t, error_r) < 0) {
		desk_agent_free(&a);
		return -1;
	}
	ret = agent_mail_handle(db, s, tenant_id, m, r, &t, &a, error_r);
	desk_ticket_free(&t);
	desk_agent_free(&a);
	return ret;
}
