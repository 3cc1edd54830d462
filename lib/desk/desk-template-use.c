/* Templates from the database in answers: "#template NAME" at the top of
 * an agent's reply puts the team's template, expanded for the ticket,
 * before the agent's own text. */
#include "config.h"
#include "desk/desk-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent/agent.h"
#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-desk-team.h"

int desk_template_load(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
		       char **error_r)
{
	return db_desk_template_body(db, tenant_id, team_id, name, body_r, error_r);
}

void desk_template_vars_fill(const struct desk_ticket *t, const struct desk_agent *a, char number[24],
			     struct desk_template_vars *vars)
{
	snprintf(number, 24, "%" PRId64, t->number);
	*vars = (struct desk_template_vars){
		.ticket_number = number,
		.ticket_subject = t->subject,
		.customer_name = t->requester_name[0] != '\0' ? t->requester_name : t->requester_email,
		.customer_email = t->requester_email,
		.team_name = t->team_name,
		.ticket_order = t->order_ref,
	};
	if (a != NULL) {
		vars->agent_name = a->name[0] != '\0' ? a->name : a->email;
		vars->agent_email = a->email;
	} else if (t->assignee_email[0] != '\0') {
		vars->agent_name = t->assignee_name[0] != '\0' ? t->assignee_name : t->assignee_email;
		vars->agent_email = t->assignee_email;
	} else {
		vars->agent_name = t->team_name;
		vars->agent_email = t->team_alias;
	}
}

int desk_templates_check(struct db *db, int64_t tenant_id, const struct desk_ticket *t,
			 const struct agent_reply *reply, char **refused_r, char **error_r)
{
	for (size_t i = 0; i < reply->cmds_count; i++) {
		const struct agent_cmd *cmd = &reply->cmds[i];
		char *body = NULL;
		int found;

		if (cmd->type != AGENT_CMD_TEMPLATE)
			continue;
		if ((found = desk_template_load(db, tenant_id, t->team_id, cmd->arg, &body, error_r)) < 0)
			return -1;
		free(body);
		if (found == 0) {
			*refused_r = xasprintf("line %u: #template: team %s has no template \"%s\"", cmd->line,
					       t->team_name, cmd->arg);
			return 0;
		}
	}
	return 0;
}

/* Whether the reply names at least one template. */
static bool reply_has_template(const struct agent_reply *reply)
{
	for (size_t i = 0; i < reply->cmds_count; i++)
		if (reply->cmds[i].type == AGENT_CMD_TEMPLATE)
			return true;
	return false;
}

bool desk_reply_sends(const struct agent_reply *reply)
{
	return !reply->has_note && (!reply->only_commands || reply_has_template(reply));
}

/* Appends one expanded template, followed by a blank line when more
 * follows. A template that no longer expands (changed in the database by
 * hand) fails the whole reply rather than send a half. */
static int template_append(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
			   const struct agent_cmd *cmd, struct buf *b, char **error_r)
{
	struct desk_template_vars vars;
	struct desk_template_error terr;
	char number[24], *body = NULL, *text;
	size_t len;
	int found = desk_template_load(db, tenant_id, t->team_id, cmd->arg, &body, error_r);

	if (found <= 0) {
		if (found == 0)
			*error_r = xasprintf("template \"%s\" of team %s was removed meanwhile", cmd->arg, t->team_name);
		return -1;
	}
	desk_template_vars_fill(t, a, number, &vars);
	text = desk_template_expand(body, strlen(body), &vars, &len, &terr);
	free(body);
	if (text == NULL) {
		*error_r = xasprintf("template \"%s\" of team %s: %u:%u: %s", cmd->arg, t->team_name, terr.line,
				     terr.column, terr.message);
		return -1;
	}
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' || text[len - 1] == ' '))
		len--;
	if (b->len > 0)
		buf_append_str(b, "\n\n");
	buf_append(b, text, len);
	free(text);
	return 0;
}

int desk_reply_text(struct db *db, int64_t tenant_id, const struct desk_ticket *t, const struct desk_agent *a,
		    const struct agent_reply *reply, const char *text, size_t len, char **out_r, size_t *out_len_r,
		    char **error_r)
{
	struct buf b;

	buf_init(&b, 0);
	for (size_t i = 0; i < reply->cmds_count; i++) {
		if (reply->cmds[i].type == AGENT_CMD_TEMPLATE &&
		    template_append(db, tenant_id, t, a, &reply->cmds[i], &b, error_r) < 0) {
			buf_free(&b);
			return -1;
		}
	}
	if (!reply->only_commands) {
		if (b.len > 0)
			buf_append_str(&b, "\n\n");
		buf_append(&b, text, len);
	}
	*out_r = buf_steal(&b, out_len_r);
	return 0;
}

int desk_template_reply(struct db *db, const struct desk_settings *s, int64_t tenant_id, const struct desk_ticket *t,
			const struct desk_agent *a, const struct agent_reply *reply, const char *text, size_t len,
			const struct db_message_in *mail, char **error_r)
{
	char *out;
	size_t out_len;
	int ret;

	if (desk_reply_text(db, tenant_id, t, a, reply, text, len, &out, &out_len, error_r) < 0)
		return -1;
	ret = desk_customer_reply(db, s, tenant_id, t, a, out, out_len, mail, error_r);
	free(out);
	return ret;
}
