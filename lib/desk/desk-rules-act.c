/* Carrying out a rule's decision on a ticket and recording it: an event
 * per action that took effect (kinds in desk-rules.h), actor "rule:NAME".
 * A decision that cannot apply (no such team or agent, nobody free to
 * assign, a bad tag) is recorded as rule.failed and never fails the
 * delivery; everything is checked before it reaches SQL, because a
 * failing statement would abort the delivery's transaction. */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* Records what an action did (or, kind "rule.failed", why it could not). */
static int act_event(struct desk_rules_apply *ap, const char *kind, const char *actor, const char *detail,
		     char **error_r)
{
	if (strcmp(kind, "rule.failed") != 0)
		ap->changed = true;
	return desk_event(ap->db, ap->tenant_id, ap->ticket_id, kind, actor, detail, error_r);
}

/* A desk_ticket_* outcome: a change marks the run changed. */
static int took(struct desk_rules_apply *ap, int ret)
{
	if (ret > 0)
		ap->changed = true;
	return ret < 0 ? -1 : 0;
}

/* Records why an action could not apply (detail malloc'd, freed here). */
static int act_failed(struct desk_rules_apply *ap, const char *actor, char *detail, char **error_r)
{
	int ret = act_event(ap, "rule.failed", actor, detail, error_r);

	free(detail);
	return ret;
}

/* Contract in desk.h. */
bool desk_tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (n == 0 || n > 64 || !isalnum((unsigned char)tag[0]))
		return false;
	return strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static int act_tag(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	char *tag = xstrdup(act->text);
	int ret;

	for (char *p = tag; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!desk_tag_valid(tag))
		ret = act_failed(ap, actor,
				 xasprintf("\"%s\" is not a valid tag (a-z, 0-9, _ . -, at most 64)", act->text),
				 error_r);
	else
		ret = took(ap, desk_ticket_tag(ap->db, ap->tenant_id, ap->ticket_id, tag,
					       act->kind == RULES_ACT_TAG_REMOVE, actor, error_r));
	free(tag);
	return ret;
}

/* Moves the ticket to the team of that name (exact case first), and
 * recomputes its SLA due times for the new team. */
static int act_move(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	int64_t team_id = 0;
	int ret = desk_ticket_move(ap->db, ap->tenant_id, ap->ticket_id, act->text, actor, &team_id, error_r);

	if (ret == 0)
		return act_failed(ap, actor, xasprintf("no team \"%s\"", act->text), error_r);
	if (ret > 0)
		ap->team_id = team_id;
	return took(ap, ret);
}

/* Assigns to the agent with that address. */
static int act_assign(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	int64_t id = 0;
	int found = db_ticket_agent_id(ap->db, ap->tenant_id, act->text, &id, error_r);

	if (found < 0)
		return -1;
	if (found == 0)
		return act_failed(ap, actor, xasprintf("%s is not an agent of this tenant", act->text), error_r);
	return took(ap, desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, id, actor, NULL, error_r));
}

/* Assigns by the team's strategy; the rule's "max N", else the team's cap. */
static int act_strategy(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			char **error_r)
{
	const char *name = act->strategy == RULES_LEAST_OPEN ? "least-open" : "round-robin";
	unsigned max_open = act->max_open;
	int64_t id = 0;
	char *detail;
	int ret;

	if (max_open == 0 && db_ticket_team_max_open(ap->db, ap->tenant_id, ap->team_id, &max_open, error_r) < 0)
		return -1;
	if ((ret = desk_assign_pick(ap->db, ap->tenant_id, ap->team_id, act->strategy, max_open, 0, &id, error_r)) < 0)
		return -1;
	if (ret == 0) {
		detail = xasprintf("no agent available for %s", name);
		ret = act_event(ap, "rule.failed", actor, detail, error_r);
		free(detail);
		return ret;
	}
	detail = xasprintf("by %s", name);
	ret = took(ap, desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, id, actor, detail, error_r));
	free(detail);
	return ret;
}

static int act_unassign(struct desk_rules_apply *ap, const char *actor, char **error_r)
{
	return took(ap, desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, 0, actor, NULL, error_r));
}

/* Sets the priority; the SLA due times follow it. */
static int act_priority(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			char **error_r)
{
	if (act->priority < 0 || act->priority > 3)
		return act_event(ap, "rule.failed", actor, "priority out of range", error_r);
	return took(ap, desk_ticket_set_priority(ap->db, ap->tenant_id, ap->ticket_id, act->priority, actor, error_r));
}

/* "YYYY-MM-DD HH:MM" naming a real day and time (the cast in SQL must not
 * fail inside the delivery's transaction). */
static bool local_time_valid(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, n = 0;

	if (strlen(s) != 16 || sscanf(s, "%4d-%2d-%2d %2d:%2d%n", &y, &mo, &d, &h, &mi, &n) != 5 || n != 16)
		return false;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || h < 0 || mi < 0)
		return false;
	return !(mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0));
}

static int act_snooze(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
		      char **error_r)
{
	struct db_snooze w = { .kind = DB_SNOOZE_FOR, .value = act->seconds };
	struct db_snoozed out;
	int ret;

	if (act->kind != RULES_ACT_SNOOZE_FOR) {
		if (act->text == NULL || !local_time_valid(act->text))
			return act_failed(ap, actor,
					  xasprintf("snooze until \"%s\": not a time YYYY-MM-DD HH:MM",
						    act->text ? act->text : ""),
					  error_r);
		/* A time already past is refused: a ticket.woke rule snoozing
		 * into the past would otherwise wake and snooze it forever. */
		w = (struct db_snooze){ .kind = DB_SNOOZE_LOCAL, .local = act->text, .refuse_past = true };
	}
	ret = desk_ticket_snooze(ap->db, ap->tenant_id, ap->ticket_id, &w, actor, &out, error_r);
	if (ret == 0 && out.past)
		return act_failed(ap, actor, xasprintf("snooze until \"%s\": that time has passed", act->text),
				  error_r);
	return took(ap, ret);
}

/* tickets.fields[name] = value. */
static int act_field(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
		     char **error_r)
{
	const char *value = act->value != NULL ? act->value : "";

	if (act->text == NULL || act->text[0] == '\0' || !desk_text_valid(act->text, strlen(act->text)) ||
	    !desk_text_valid(value, strlen(value)))
		return act_event(ap, "rule.failed", actor, "set field: the name or value is not valid text", error_r);
	return took(ap, desk_ticket_set_field(ap->db, ap->tenant_id, ap->ticket_id, act->text, value, actor, error_r));
}

/* The actions that change only the ticket row. */
static int act_ticket(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
		      char **error_r)
{
	switch (act->kind) {
	case RULES_ACT_SET_PRIORITY:
		return act_priority(ap, act, actor, error_r);
	case RULES_ACT_SNOOZE_FOR:
	case RULES_ACT_SNOOZE_UNTIL:
		return act_snooze(ap, act, actor, error_r);
	case RULES_ACT_CLOSE:
		return took(ap, desk_ticket_close(ap->db, ap->tenant_id, ap->ticket_id, actor, NULL, error_r));
	case RULES_ACT_SET_FIELD:
		return act_field(ap, act, actor, error_r);
	case RULES_ACT_SET_ORDER:
	case RULES_ACT_CLEAR_ORDER:
		return took(ap, desk_ticket_set_order(ap->db, ap->tenant_id, ap->ticket_id, DB_ORDER_REF,
						      act->kind == RULES_ACT_SET_ORDER ? act->text : NULL, DESK_ORDER_RULE,
						      actor, error_r));
	case RULES_ACT_NO_ORDER_REMINDER:
		return took(ap, desk_ticket_order_reminder_off(ap->db, ap->tenant_id, ap->ticket_id, actor, error_r));
	default:
		return 0;
	}
}

int desk_rules_act(struct desk_rules_apply *ap, const struct rules_action *act, char **error_r)
{
	char *actor = xasprintf("rule:%s", act->rule != NULL ? act->rule : "");
	int ret;

	switch (act->kind) {
	case RULES_ACT_MOVE_TEAM: ret = act_move(ap, act, actor, error_r); break;
	case RULES_ACT_ASSIGN: ret = act_assign(ap, act, actor, error_r); break;
	case RULES_ACT_ASSIGN_STRATEGY: ret = act_strategy(ap, act, actor, error_r); break;
	case RULES_ACT_UNASSIGN: ret = act_unassign(ap, actor, error_r); break;
	case RULES_ACT_TAG_ADD:
	case RULES_ACT_TAG_REMOVE: ret = act_tag(ap, act, actor, error_r); break;
	case RULES_ACT_REPLY_TEMPLATE: ret = desk_rules_act_reply(ap, act, actor, error_r); break;
	case RULES_ACT_NOTE: ret = desk_rules_act_note(ap, act, actor, error_r); break;
	case RULES_ACT_NOTIFY: ret = desk_rules_act_notify(ap, act, actor, error_r); break;
	default: ret = act_ticket(ap, act, actor, error_r); break;
	}
	free(actor);
	return ret < 0 ? -1 : 0;
}
