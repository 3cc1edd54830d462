/* The rule actions that write: a template reply to the customer, an
 * internal note, a notice to an address. Mail a rule sends is automatic
 * mail (RFC 3834): never in answer to automatic mail, with the null
 * envelope sender and Auto-Submitted, of a kind that desk_queue() caps
 * per hour. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-desk-mail.h"
#include "mime/mime-compose.h"

/* The mail the rule would send answers automatic mail: record that
 * instead (kind "KIND.suppressed"). 1 suppressed, 0 go on, -1 error. */
static int rfc3834_suppressed(struct desk_rules_apply *ap, const char *what, const char *actor, char **error_r)
{
	char *detail;
	int ret;

	if (ap->tk == NULL || ap->tk->may_autoreply)
		return 0;
	detail = xasprintf("%s not sent: %s", what, ap->tk->why_not != NULL ? ap->tk->why_not : "automatic mail");
	ret = desk_event(ap->db, ap->tenant_id, ap->ticket_id, "rule.suppressed", actor, detail, error_r);
	free(detail);
	return ret < 0 ? -1 : 1;
}

/* The Message-ID of the customer's latest message (malloc'd; NULL: none). */
static int latest_customer_msgid(struct desk_rules_apply *ap, char **msgid_r, char **error_r)
{
	struct db_desk_thread_ref r;
	int found = db_desk_latest_customer_message(ap->db, ap->tenant_id, ap->ticket_id, &r, error_r);

	if (found < 0)
		return -1;
	*msgid_r = r.message_id; /* NULL when none */
	r.message_id = NULL;
	db_desk_thread_ref_free(&r);
	return 0;
}

/* Composes the automatic reply (from the team, threaded on the
 * customer's latest message, with the ticket's reply address) and queues
 * it to the requester as kind ack. */
static int auto_reply_send(struct desk_rules_apply *ap, const struct desk_ticket *t, const char *text,
			   char **error_r)
{
	const struct desk_settings *s = ap->s;
	char *subject = desk_subject(t, strncasecmp(t->subject, "re:", 3) == 0 ? "" : "Re: ");
	char *msgid = desk_message_id(s, ap->tenant_id, t->number);
	char *reply_addr = desk_reply_address(s, ap->tenant_id, t, 0);
	char *in_reply_to = NULL, ticket_no[24];
	const char *names[] = { "Auto-Submitted", "X-Auto-Response-Suppress", AGENT_LOOP_HEADER, "X-Maildesk-Ticket" };
	const char *values[] = { "auto-replied", "All", s->hostname, ticket_no };
	struct mime_compose_addr to = { t->requester_name, t->requester_email }, reply_to = { NULL, reply_addr };
	const char *rcpts[1] = { t->requester_email };
	int ret = latest_customer_msgid(ap, &in_reply_to, error_r);

	snprintf(ticket_no, sizeof(ticket_no), "%" PRId64, t->number);
	if (ret == 0) {
		const char *refs[1] = { in_reply_to };
		struct mime_compose c = {
			.from = { t->team_name, t->team_alias }, .reply_to = &reply_to, .to = &to, .n_to = 1,
			.subject = subject, .date = (int64_t)time(NULL), .message_id = msgid, .in_reply_to = in_reply_to,
			.references = refs, .n_references = in_reply_to != NULL, .text = text,
			.extra_names = names, .extra_values = values, .n_extra = 4,
		};
		size_t len;
		char *data = mime_compose(&c, &len);
		ret = desk_queue(ap->db, s, ap->tenant_id, t->id, DB_OUTBOUND_ACK, "", rcpts, 1, data, len, msgid,
				 error_r);
		free(data);
	}
	free(in_reply_to);
	free(reply_addr);
	free(msgid);
	free(subject);
	return ret;
}

/* Expands the team's template for t (signed as the assignee, else the
 * team). *text_r NULL with *why_r set when it cannot be used. */
static int template_text(struct desk_rules_apply *ap, const struct desk_ticket *t, const char *name, char **text_r,
			 char **why_r, char **error_r)
{
	struct desk_template_vars vars;
	struct desk_template_error terr;
	char number[24], *body = NULL;
	int found = desk_template_load(ap->db, ap->tenant_id, t->team_id, name, &body, error_r);

	*text_r = NULL;
	if (found <= 0) {
		if (found == 0)
			*why_r = xasprintf("team %s has no template \"%s\"", t->team_name, name);
		return found;
	}
	desk_template_vars_fill(t, NULL, number, &vars);
	if ((*text_r = desk_template_expand(body, strlen(body), &vars, NULL, &terr)) == NULL)
		*why_r = xasprintf("template \"%s\": %u:%u: %s", name, terr.line, terr.column, terr.message);
	free(body);
	return 0;
}

int desk_rules_act_reply(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			 char **error_r)
{
	struct desk_ticket t;
	char *text = NULL, *why = NULL, *detail;
	int ret;

	if ((ret = rfc3834_suppressed(ap, "reply with template", actor, error_r)) != 0)
		return ret < 0 ? -1 : 0;
	if (desk_ticket_load(ap->db, ap->s, ap->tenant_id, ap->ticket_id, &t, error_r) < 0)
		return -1;
	ret = template_text(ap, &t, act->text, &text, &why, error_r);
	if (ret == 0 && text == NULL) {
		ret = desk_event(ap->db, ap->tenant_id, ap->ticket_id, "rule.failed", actor, why, error_r);
	} else if (ret == 0 && (ret = auto_reply_send(ap, &t, text, error_r)) == 0) {
		detail = xasprintf("template %s to %s", act->text, t.requester_email);
		ap->changed = true;
		ret = desk_event(ap->db, ap->tenant_id, ap->ticket_id, "replied", actor, detail, error_r);
		free(detail);
	}
	free(why);
	free(text);
	desk_ticket_free(&t);
	return ret;
}

int desk_rules_act_note(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			char **error_r)
{
	const char *text = act->text != NULL ? act->text : "";
	char *detail;
	int ret;

	if (!desk_text_valid(text, strlen(text)))
		return desk_event(ap->db, ap->tenant_id, ap->ticket_id, "rule.failed", actor, "note: not valid text",
				  error_r);
	detail = xasprintf("note written by %s", actor);
	ret = db_desk_note_add(ap->db,
			       &(struct db_desk_note){ .tenant_id = ap->tenant_id, .ticket_id = ap->ticket_id,
						       .team_id = ap->team_id, .from_name = actor, .text = text,
						       .reason = "rule", .detail = detail },
			       error_r);
	free(detail);
	if (ret < 0)
		return -1;
	ap->changed = true;
	return desk_event(ap->db, ap->tenant_id, ap->ticket_id, "note", actor, "internal note", error_r);
}

/* What the notified address reads about the ticket. */
static char *notice_body(const struct desk_ticket *t, const char *rule)
{
	struct buf b;

	buf_init(&b, 0);
	buf_printf(&b, "The rule \"%s\" asks you to look at ticket %" PRId64 ", %s.\n\n", rule, t->number, t->subject);
	buf_printf(&b, "Team: %s | Status: %s | Priority: %s | Assignee: %s | Tags: %s\n", t->team_name, t->status,
		   desk_priority_name(t->priority), t->assignee_email[0] ? t->assignee_email : "-",
		   t->tags[0] ? t->tags : "-");
	desk_order_line(&b, t);
	buf_printf(&b, "From: %s\n", t->requester_email);
	return buf_steal(&b, NULL);
}

/* A plain address: something@domain, no blanks or controls. */
static bool address_plain(const char *a)
{
	const char *at = strchr(a, '@');

	if (at == NULL || at == a || at[1] == '\0' || strchr(at + 1, '@') != NULL || strlen(a) > 254)
		return false;
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' || *p == ',' || *p == 0x7f)
			return false;
	return desk_text_valid(a, strlen(a));
}

int desk_rules_act_notify(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			  char **error_r)
{
	struct desk_ticket t;
	char *body, *addr, no_name[1] = "";
	int ret;

	if (act->text == NULL || !address_plain(act->text))
		return desk_event(ap->db, ap->tenant_id, ap->ticket_id, "rule.failed", actor,
				  "notify: not a mail address", error_r);
	if ((ret = rfc3834_suppressed(ap, "notice", actor, error_r)) != 0)
		return ret < 0 ? -1 : 0;
	if (desk_ticket_load(ap->db, ap->s, ap->tenant_id, ap->ticket_id, &t, error_r) < 0)
		return -1;
	addr = xstrdup(act->text);
	for (char *p = addr; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	struct desk_agent to = { .name = no_name, .email = addr };
	body = notice_body(&t, actor + strlen("rule:"));
	ret = desk_agent_notice(ap->db, ap->s, ap->tenant_id, &t, &to, "Rule notice: ", body, NULL, error_r);
	if (ret == 0) {
		ap->changed = true;
		ret = desk_event(ap->db, ap->tenant_id, ap->ticket_id, "notified", actor, addr, error_r);
	}
	free(body);
	free(addr);
	desk_ticket_free(&t);
	return ret;
}
