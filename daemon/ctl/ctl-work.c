/* maildeskctl: the agent's work. Agent status, and the ticket changes an
 * agent makes by mail with #assign, #snooze, #tag and #priority, done here
 * through lib/desk (desk-rules.h) so the same notifications go out, the
 * same rules run and the same SLA due times move. Each change is one
 * transaction (ctl_change_run). */
#include "config.h"
#include "ctl-work.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"
#include "db/db-admin-agent.h"
#include "db/db-report-ticket.h"
#include "rules/rules.h"
#include "desk/desk-rules.h"

int ctl_work_desk_load(const struct ctl *ctl, struct ctl_desk *d)
{
	int ret = ctl_desk_load(ctl, d);

	if (ret == 0)
		d->s.rule_match_limit = d->cfg.rule_match_limit;
	return ret;
}

int ctl_work_agent_find(struct ctl *ctl, const char *tenant_id, const char *email, char **id_r, char **status_r)
{
	char *error = NULL, *tenant = NULL;
	int64_t id;
	int found = db_admin_agent_status(ctl->db, ctl_id(tenant_id), email, &id, status_r, &tenant, &error);

	if (found < 0) {
		ctl_db_fail(error);
		return -1;
	}
	if (!found)
		ctl_fail("agent \"%s\" not found in tenant \"%s\"", email, tenant != NULL ? tenant : "?");
	else
		*id_r = xasprintf("%" PRId64, id);
	free(tenant);
	return found;
}

static const char *const agent_states[] = { "online", "away", "offline", "offline-and-reassign" };

/* ctl_change_run() callback of "agent status EMAIL STATE". */
static int status_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	char *tenant_id = NULL, *tenant_name = NULL, *agent_id = NULL, *error = NULL;
	struct ctl_desk d;
	int ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);

	if (ret == 0 && ctl_work_agent_find(ctl, tenant_id, a->pos[0], &agent_id, NULL) != 1)
		ret = CTL_EXIT_FAIL;
	if (ret == 0 && (ret = ctl_work_desk_load(ctl, &d)) == 0) {
		if (desk_agent_status_set(ctl->db, &d.s, strtoll(tenant_id, NULL, 10), strtoll(agent_id, NULL, 10),
					  a->pos[1], CTL_ACTOR, done_r, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		ctl_desk_free(&d);
	}
	free(error);
	free(agent_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

/* "agent status EMAIL" prints the status; with STATE it sets it. */
static int agent_status(struct ctl *ctl, const struct ctl_args *a)
{
	char *tenant_id = NULL, *tenant_name = NULL, *agent_id = NULL, *status = NULL;
	size_t i;
	int ret;

	if (a->n_pos == 2) {
		for (i = 0; i < sizeof(agent_states) / sizeof(agent_states[0]); i++) {
			if (strcmp(a->pos[1], agent_states[i]) == 0)
				return ctl_change_run(ctl, a, status_change);
		}
		return ctl_usage_error(a, "unknown state \"%s\" (online, away, offline, offline-and-reassign)",
				       a->pos[1]);
	}
	ret = ctl_tenant_resolve(ctl, a, NULL, &tenant_id, &tenant_name);
	if (ret == 0 && ctl_work_agent_find(ctl, tenant_id, a->pos[0], &agent_id, &status) != 1)
		ret = CTL_EXIT_FAIL;
	if (ret == 0 && ctl->json)
		ctl_output_json_print(json_pack("{s:s, s:s, s:s}", "agent", a->pos[0], "tenant", tenant_name,
						"status", status));
	else if (ret == 0)
		printf("%s: %s\n", a->pos[0], status);
	free(status);
	free(agent_id);
	free(tenant_id);
	free(tenant_name);
	return ret;
}

int ctl_work_begin(struct ctl *ctl, const struct ctl_args *a, struct ctl_work *w)
{
	int ret;

	memset(w, 0, sizeof(*w));
	ret = ctl_ticket_lock(ctl, a->pos[0], &w->t);
	if (ret == 0 && strcmp(w->t.status, "merged") == 0)
		ret = ctl_fail("ticket %s is merged into ticket %s: change that one", w->t.number,
			       w->t.merged_into != NULL ? w->t.merged_into : "?");
	if (ret == 0)
		ret = ctl_actor_resolve(ctl, a, &w->t, &w->actor);
	if (ret == 0) {
		w->tenant_id = strtoll(w->t.tenant_id, NULL, 10);
		w->ticket_id = strtoll(w->t.id, NULL, 10);
	}
	return ret;
}

void ctl_work_end(struct ctl_work *w)
{
	ctl_ticket_free(&w->t);
	free(w->actor);
	memset(w, 0, sizeof(*w));
}

/* The assignee now (NULL: nobody), to refuse a change that is none. */
static int assignee_get(struct ctl *ctl, const struct ctl_work *w, char **agent_id_r)
{
	char *error = NULL;
	int64_t id;
	int found = db_report_ticket_assignee(ctl->db, ctl_id(w->t.tenant_id), ctl_id(w->t.id), &id, &error);

	if (found < 0)
		return ctl_db_fail(error);
	*agent_id_r = found ? xasprintf("%" PRId64, id) : NULL;
	return 0;
}

/* ctl_change_run() callback of "ticket assign". */
static int assign_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *who = a->n_pos > 1 ? a->pos[1] : NULL;
	char *agent_id = NULL, *current = NULL, *error = NULL;
	struct ctl_desk d;
	struct ctl_work w;
	int ret = ctl_work_begin(ctl, a, &w);

	if (ret == 0 && who != NULL && ctl_work_agent_find(ctl, w.t.tenant_id, who, &agent_id, NULL) != 1)
		ret = CTL_EXIT_FAIL;
	if (ret == 0)
		ret = assignee_get(ctl, &w, &current);
	if (ret == 0 && (current == NULL ? agent_id == NULL : agent_id != NULL && strcmp(current, agent_id) == 0))
		ret = ctl_fail("ticket %s is already %s%s", w.t.number, who != NULL ? "assigned to " : "unassigned",
			       who != NULL ? who : "");
	if (ret == 0 && (ret = ctl_work_desk_load(ctl, &d)) == 0) {
		if (desk_ticket_assign(ctl->db, &d.s, w.tenant_id, w.ticket_id,
				       agent_id != NULL ? strtoll(agent_id, NULL, 10) : 0, w.actor, &error) < 0)
			ret = ctl_fail("%s", error != NULL ? error : "failed");
		ctl_desk_free(&d);
	}
	if (ret == 0)
		*done_r = who != NULL ? xasprintf("ticket %s assigned to %s", w.t.number, who)
				      : xasprintf("ticket %s unassigned", w.t.number);
	free(error);
	free(agent_id);
	free(current);
	ctl_work_end(&w);
	return ret;
}

/* "ticket assign NUMBER AGENT | --unassign [--by AGENT]". */
static int ticket_assign(struct ctl *ctl, const struct ctl_args *a)
{
	bool unassign = ctl_opt_get(a, "unassign") != NULL;

	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (unassign == (a->n_pos == 2))
		return ctl_usage_error(a, "give an AGENT or --unassign");
	return ctl_change_run(ctl, a, assign_change);
}

/* ctl_change_run() callback of "ticket priority". */
static int priority_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	int p = rules_priority_parse(a->pos[1]), r = 0;
	char *error = NULL;
	struct ctl_work w;
	int ret = ctl_work_begin(ctl, a, &w);

	/* The one way a priority changes: the event and the SLA due times
	 * come with it. */
	if (ret == 0 && (r = desk_ticket_set_priority(ctl->db, w.tenant_id, w.ticket_id, p, w.actor, &error)) < 0)
		ret = ctl_fail("%s", error != NULL ? error : "failed");
	else if (ret == 0 && r == 0)
		ret = ctl_fail("ticket %s already has priority %s", w.t.number, rules_priority_name(p));
	if (ret == 0)
		*done_r = xasprintf("ticket %s: priority %s (was %s)", w.t.number, rules_priority_name(p),
				    rules_priority_name((int)strtol(w.t.priority, NULL, 10)));
	free(error);
	ctl_work_end(&w);
	return ret;
}

/* "ticket priority NUMBER low|medium|high|urgent|0-3 [--by AGENT]". */
static int ticket_priority(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_number_valid(a->pos[0]))
		return ctl_usage_error(a, "ticket number \"%s\" is not a number", a->pos[0]);
	if (rules_priority_parse(a->pos[1]) < 0)
		return ctl_usage_error(a, "unknown priority \"%s\" (low, medium, high, urgent or 0-3)", a->pos[1]);
	return ctl_change_run(ctl, a, priority_change);
}

const struct ctl_command ctl_work_commands[] = {
	{ "agent status", "EMAIL [online|away|offline|offline-and-reassign] [--tenant T] [--json]",
	  "show or set an agent's status (offline-and-reassign hands their tickets to teammates)", 1, 2,
	  "tenant= json",
	  agent_status },
	{ "ticket assign", "NUMBER AGENT | NUMBER --unassign [--by AGENT]",
	  "give a ticket to an agent (who is mailed about it), or to nobody", 1, 2, "unassign by=", ticket_assign },
	{ "ticket snooze", "NUMBER UNTIL [--by AGENT]",
	  "snooze a ticket until \"YYYY-MM-DD HH:MM\" (the team's time zone) or for a while (4h, 2d, 1w)", 2, 3,
	  "by=", ctl_ticket_snooze },
	{ "ticket tag", "NUMBER TAG... [--remove] [--by AGENT]",
	  "add tags (tag.added rules run) or remove them", 2, 64, "remove by=", ctl_ticket_tag },
	{ "ticket event", "NUMBER NAME [--by AGENT]",
	  "fire an external event on a ticket: its external.event rules run (event.name is NAME)", 2, 2, "by=",
	  ctl_ticket_event },
	{ "ticket cc", "NUMBER add|remove ADDR [--by AGENT | --from AGENT]",
	  "add a customer's address to the ticket's participants (on Cc of every answer), or remove it", 3, 3,
	  "by= from=", ctl_ticket_cc },
	{ "ticket priority", "NUMBER low|medium|high|urgent [--by AGENT]",
	  "change a ticket's priority (its SLA due times follow)", 2, 2, "by=", ticket_priority },
	{ "team routing",
	  "NAME [--tenant T] [--strategy manual|round-robin|least-open] [--max-open N] [--time-zone ZONE]"
	  " [--hours SPEC | --no-hours] [--json]",
	  "show or change how a team hands out tickets and its business hours (\"mon-fri 09:00-17:00, sat 10:00-14:00\")",
	  1, 1, "tenant= strategy= max-open= time-zone= hours= no-hours json", ctl_team_routing },
	{ "sla set", "--team T --priority P [--first-response DURATION|none] [--resolution DURATION|none] [--tenant T]",
	  "set a team's response and resolution targets for one priority (business hours when it has a calendar)", 0,
	  0, "team= priority= first-response= resolution= tenant=", ctl_sla_set },
	{ "sla list", "[--team T] [--tenant T] [--json]", "list SLA targets", 0, 0, "team= tenant= json",
	  ctl_sla_list },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
