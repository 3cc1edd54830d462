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

/* Runs a statement on the ticket ($1 tenant, $2 ticket, $3 arg, $4 arg2);
 * *row_r (may be NULL) gets the first cell of the first row returned
 * (malloc'd, NULL when no row). */
static int ticket_sql(struct desk_rules_apply *ap, const char *sql, const char *arg, const char *arg2, char **row_r,
		      char **error_r)
{
	char tn[24], tk[24];
	const char *params[4] = { tn, tk, arg, arg2 };
	size_t n = arg2 != NULL ? 4 : arg != NULL ? 3 : 2;
	struct db_table *res = NULL;

	snprintf(tn, sizeof(tn), "%" PRId64, ap->tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ap->ticket_id);
	if (db_exec(ap->db, sql, n, params, &res, error_r) < 0)
		return -1;
	if (row_r != NULL)
		*row_r = res->n_rows > 0 && db_table_get(res, 0, 0) != NULL ? xstrdup(db_table_get(res, 0, 0)) : NULL;
	db_table_free(&res);
	return 0;
}

/* A statement whose returned row (if any) means it took effect: then the
 * event (kind, detail; else the row's text) is recorded. Returns 1 took
 * effect, 0 not, -1 error. */
static int ticket_change(struct desk_rules_apply *ap, const char *actor, const char *sql, const char *arg,
			 const char *arg2, const char *kind, const char *detail, char **error_r)
{
	char *row = NULL;
	int ret = ticket_sql(ap, sql, arg, arg2, &row, error_r);

	if (ret == 0 && row != NULL)
		ret = act_event(ap, kind, actor, detail != NULL ? detail : row, error_r) < 0 ? -1 : 1;
	free(row);
	return ret;
}

/* ticket_tags' CHECK: ^[a-z0-9][a-z0-9_.-]{0,63}$ (after lower-casing). */
static bool tag_valid(const char *tag)
{
	size_t n = strlen(tag);

	if (n == 0 || n > 64 || !isalnum((unsigned char)tag[0]))
		return false;
	return strspn(tag, "abcdefghijklmnopqrstuvwxyz0123456789_.-") == n;
}

static int act_tag(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	char *tag = xstrdup(act->text), *detail;
	int ret;

	for (char *p = tag; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (!tag_valid(tag)) {
		detail = xasprintf("\"%s\" is not a valid tag (a-z, 0-9, _ . -, at most 64)", act->text);
		ret = act_event(ap, "rule.failed", actor, detail, error_r);
		free(detail);
	} else if (act->kind == RULES_ACT_TAG_ADD) {
		ret = ticket_change(ap, actor,
				    "INSERT INTO ticket_tags (tenant_id, ticket_id, tag) VALUES ($1, $2, $3)"
				    " ON CONFLICT DO NOTHING RETURNING tag",
				    tag, NULL, "tagged", NULL, error_r);
	} else {
		ret = ticket_change(ap, actor,
				    "DELETE FROM ticket_tags WHERE tenant_id = $1 AND ticket_id = $2 AND tag = $3"
				    " RETURNING tag",
				    tag, NULL, "untagged", NULL, error_r);
	}
	free(tag);
	return ret;
}

/* Moves the ticket to the team of that name (exact case first), and
 * recomputes its SLA due times for the new team. */
static int act_move(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	char *team = NULL, *detail;
	int ret;

	if (ticket_sql(ap,
		       "UPDATE tickets t SET team_id = tm.id, updated_at = now() FROM (SELECT id FROM teams"
		       " WHERE tenant_id = $1 AND lower(name) = lower($3) ORDER BY name = $3 DESC LIMIT 1) tm"
		       " WHERE t.tenant_id = $1 AND t.id = $2 RETURNING tm.id",
		       act->text, NULL, &team, error_r) < 0)
		return -1;
	if (team == NULL) {
		detail = xasprintf("no team \"%s\"", act->text);
		ret = act_event(ap, "rule.failed", actor, detail, error_r);
		free(detail);
		return ret;
	}
	ap->team_id = strtoll(team, NULL, 10);
	free(team);
	detail = xasprintf("to team %s", act->text);
	ret = act_event(ap, "moved", actor, detail, error_r);
	free(detail);
	return ret < 0 ? -1 : desk_sla_update(ap->db, ap->tenant_id, ap->ticket_id, error_r);
}

/* Assigns to the agent with that address. */
static int act_assign(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor, char **error_r)
{
	char tn[24], *detail;
	const char *params[2] = { tn, act->text };
	struct db_table *res = NULL;
	int64_t id;
	int ret;

	snprintf(tn, sizeof(tn), "%" PRId64, ap->tenant_id);
	if (db_exec(ap->db, "SELECT id FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params, &res,
		    error_r) < 0)
		return -1;
	id = res->n_rows > 0 ? strtoll(db_table_get(res, 0, 0), NULL, 10) : 0;
	db_table_free(&res);
	if (id == 0) {
		detail = xasprintf("%s is not an agent of this tenant", act->text);
		ret = act_event(ap, "rule.failed", actor, detail, error_r);
		free(detail);
		return ret;
	}
	if ((ret = desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, id, actor, NULL, error_r)) > 0)
		ap->changed = true;
	return ret < 0 ? -1 : 0;
}

/* The team's own cap of open tickets per agent (0: none). */
static int team_max_open(struct desk_rules_apply *ap, unsigned *max_r, char **error_r)
{
	char tn[24], tm[24];
	const char *params[2] = { tn, tm };
	struct db_table *res = NULL;

	snprintf(tn, sizeof(tn), "%" PRId64, ap->tenant_id);
	snprintf(tm, sizeof(tm), "%" PRId64, ap->team_id);
	if (db_exec(ap->db, "SELECT assign_max_open FROM teams WHERE tenant_id = $1 AND id = $2", 2, params, &res,
		    error_r) < 0)
		return -1;
	*max_r = res->n_rows > 0 ? (unsigned)strtoul(db_table_get(res, 0, 0), NULL, 10) : 0;
	db_table_free(&res);
	return 0;
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

	if (max_open == 0 && team_max_open(ap, &max_open, error_r) < 0)
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
	if ((ret = desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, id, actor, detail, error_r)) > 0)
		ap->changed = true;
	free(detail);
	return ret < 0 ? -1 : 0;
}

static int act_unassign(struct desk_rules_apply *ap, const char *actor, char **error_r)
{
	int ret = desk_ticket_assign_how(ap->db, ap->s, ap->tenant_id, ap->ticket_id, 0, actor, NULL, error_r);

	if (ret > 0)
		ap->changed = true;
	return ret < 0 ? -1 : 0;
}

/* Sets the priority; the SLA due times follow it. */
static int act_priority(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
			char **error_r)
{
	char num[12];
	int ret;

	if (act->priority < 0 || act->priority > 3)
		return act_event(ap, "rule.failed", actor, "priority out of range", error_r);
	snprintf(num, sizeof(num), "%d", act->priority);
	if ((ret = ticket_change(ap, actor,
				 "UPDATE tickets SET priority = $3::smallint, updated_at = now() WHERE tenant_id = $1"
				 " AND id = $2 AND priority <> $3::smallint RETURNING id",
				 num, NULL, "priority", desk_priority_name(act->priority), error_r)) <= 0)
		return ret;
	return desk_sla_update(ap->db, ap->tenant_id, ap->ticket_id, error_r);
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
	char secs[24], *detail;
	int ret;

	if (act->kind == RULES_ACT_SNOOZE_FOR) {
		snprintf(secs, sizeof(secs), "%lld", act->seconds);
		return ticket_change(ap, actor,
				     "UPDATE tickets SET status = 'snoozed', snooze_until = now() + make_interval(secs =>"
				     " $3::bigint), updated_at = now() WHERE tenant_id = $1 AND id = $2"
				     " RETURNING 'until ' || snooze_until::text",
				     secs, NULL, "snoozed", NULL, error_r);
	}
	if (act->text == NULL || !local_time_valid(act->text)) {
		detail = xasprintf("snooze until \"%s\": not a time YYYY-MM-DD HH:MM", act->text ? act->text : "");
		ret = act_event(ap, "rule.failed", actor, detail, error_r);
		free(detail);
		return ret;
	}
	/* A time already past is refused: a ticket.woke rule snoozing into
	 * the past would otherwise wake and snooze the ticket forever. */
	ret = ticket_change(ap, actor,
			    "UPDATE tickets t SET status = 'snoozed', snooze_until = ($3::timestamp AT TIME ZONE"
			    " tm.time_zone), updated_at = now() FROM teams tm WHERE tm.tenant_id = t.tenant_id"
			    " AND tm.id = t.team_id AND t.tenant_id = $1 AND t.id = $2"
			    " AND ($3::timestamp AT TIME ZONE tm.time_zone) > now()"
			    " RETURNING 'until ' || $4::text || ' ' || tm.time_zone",
			    act->text, act->text, "snoozed", NULL, error_r);
	if (ret != 0)
		return ret;
	detail = xasprintf("snooze until \"%s\": that time has passed", act->text);
	ret = act_event(ap, "rule.failed", actor, detail, error_r);
	free(detail);
	return ret;
}

/* How many bytes of a UTF-8 value fit in max without splitting a
 * character (the event detail must stay valid text for PostgreSQL). */
static int utf8_prefix_len(const char *v, size_t max)
{
	size_t n = strlen(v);

	if (n > max) {
		n = max;
		while (n > 0 && ((unsigned char)v[n] & 0xC0) == 0x80)
			n--;
	}
	return (int)n;
}

/* tickets.fields[name] = value. */
static int act_field(struct desk_rules_apply *ap, const struct rules_action *act, const char *actor,
		     char **error_r)
{
	const char *value = act->value != NULL ? act->value : "";
	char *detail;
	int ret;

	if (act->text == NULL || act->text[0] == '\0' || !desk_text_valid(act->text, strlen(act->text)) ||
	    !desk_text_valid(value, strlen(value)))
		return act_event(ap, "rule.failed", actor, "set field: the name or value is not valid text", error_r);
	detail = xasprintf("%s = %.*s", act->text, utf8_prefix_len(value, 200), value);
	ret = ticket_change(ap, actor,
			    "UPDATE tickets SET fields = fields || jsonb_build_object($3::text, $4::text),"
			    " updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING id",
			    act->text, value, "field", detail, error_r);
	free(detail);
	return ret;
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
		return ticket_change(ap, actor,
				     "UPDATE tickets SET status = 'closed', closed_at = now(), snooze_until = NULL,"
				     " updated_at = now() WHERE tenant_id = $1 AND id = $2 AND status <> 'closed'"
				     " RETURNING ''",
				     NULL, NULL, "closed", NULL, error_r);
	case RULES_ACT_SET_FIELD:
		return act_field(ap, act, actor, error_r);
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
