/* maildeskctl's removals (issue 14): "team alias remove", "agent remove",
 * "agent team add|remove", "team remove", "tenant remove". Each runs in
 * one transaction with its audit_log row (ctl_audit); the tickets an
 * agent leaves go through lib/desk's handover (as offline-and-reassign),
 * the tickets of a removed team through lib/desk's move. */
#include "config.h"
#include "ctl.h"
#include "ctl-work.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"
#include "db/db-admin-agent.h"
#include "db/db-admin-tenant.h"
#include "db/db-audit.h"
#include "db/db-lifecycle.h"
#include "desk/desk.h"
#include "desk/desk-rules.h"

/* What a removal works on: the tenant, and the team or agent it names. */
struct target {
	char *tenant_id, *tenant_name, *team_id, *agent_id, *before;
};

static void target_free(struct target *t)
{
	free(t->tenant_id);
	free(t->tenant_name);
	free(t->team_id);
	free(t->agent_id);
	free(t->before);
	memset(t, 0, sizeof(*t));
}

/* The object as JSON text (NULL when it does not exist or on error). */
static char *snapshot(struct ctl *ctl, enum db_audit_kind kind, const char *tenant_id, const char *key)
{
	char *json = NULL, *error = NULL;

	if (db_audit_snapshot(ctl->db, kind, ctl_id(tenant_id), key, &json, &error) < 0)
		free(error);
	return json;
}

/* The tenant (team: the team that hints at it) and, when named, the team
 * and the agent, each checked to exist. Returns 0 or prints and fails. */
static int target_find(struct ctl *ctl, const struct ctl_args *a, const char *team, const char *agent,
		       struct target *t)
{
	int ret = ctl_tenant_resolve(ctl, a, team, &t->tenant_id, &t->tenant_name);

	if (ret == 0 && team != NULL)
		ret = ctl_team_find(ctl, t->tenant_id, t->tenant_name, team, &t->team_id);
	if (ret == 0 && agent != NULL && ctl_work_agent_find(ctl, t->tenant_id, agent, &t->agent_id, NULL) != 1)
		ret = CTL_EXIT_FAIL;
	return ret;
}

/* A team keeps at least one alias: its first one is the address it sends
 * from, and customers' replies to signed addresses on a removed alias are
 * refused too. Returns 0, or prints why and fails. */
static int alias_last_check(struct ctl *ctl, const struct target *t, const struct ctl_args *a)
{
	char *error = NULL;
	int64_t n = 0;

	if (db_lifecycle_team_alias_count(ctl->db, ctl_id(t->tenant_id), ctl_id(t->team_id), &n, &error) < 0)
		return ctl_db_fail(error);
	if (n == 0)
		return ctl_fail("%s is the last alias of team \"%s\", which sends from it: add another first"
				" (team alias add), or remove the team",
				a->pos[1], a->pos[0]);
	return 0;
}

/* ctl_change_run() callback of "team alias remove TEAM ADDR". */
static int alias_remove_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct target t = { 0 };
	char *team = NULL, *error = NULL, *after = NULL;
	int found, ret = target_find(ctl, a, a->pos[0], NULL, &t);

	if (ret == 0) {
		t.before = snapshot(ctl, DB_AUDIT_TEAM, t.tenant_id, a->pos[0]);
		found = db_lifecycle_alias_remove(ctl->db, ctl_id(t.tenant_id), a->pos[1], &team, &error);
		if (found < 0)
			ret = ctl_db_fail(error);
		else if (found == 0)
			ret = ctl_fail("alias %s not found in tenant \"%s\"", a->pos[1], t.tenant_name);
		else if (strcmp(team, a->pos[0]) != 0)
			ret = ctl_fail("alias %s belongs to team \"%s\", not \"%s\"", a->pos[1], team, a->pos[0]);
		else
			ret = alias_last_check(ctl, &t, a);
	}
	if (ret == 0) {
		after = snapshot(ctl, DB_AUDIT_TEAM, t.tenant_id, a->pos[0]);
		ret = ctl_audit(ctl, t.tenant_id, "team alias remove", a->pos[1], t.before, after);
	}
	if (ret == 0)
		*done_r = xasprintf("alias %s removed from team \"%s\": mail to it is refused (550 5.1.1) from now on,"
				    " replies to addresses on it included; its tickets stay",
				    a->pos[1], a->pos[0]);
	free(after);
	free(team);
	target_free(&t);
	return ret;
}

/* "team alias remove TEAM ADDR [--tenant T]". */
static int alias_remove(struct ctl *ctl, const struct ctl_args *a)
{
	if (!ctl_address_valid(a->pos[1]))
		return ctl_usage_error(a, "invalid address \"%s\"", a->pos[1]);
	return ctl_change_run(ctl, a, alias_remove_change);
}

/* The agent's open tickets (of team_id, 0: all) to teammates; the summary
 * goes to *summary. Returns 0 or prints and fails. */
static int handover(struct ctl *ctl, const struct target *t, int64_t team_id, const char *why, struct buf *summary)
{
	struct ctl_desk d;
	char *error = NULL;
	int ret = ctl_work_desk_load(ctl, &d);

	if (ret != 0)
		return ret;
	if (desk_agent_handover(ctl->db, &d.s, ctl_id(t->tenant_id), ctl_id(t->agent_id), team_id, CTL_ACTOR, why,
				summary, &error) < 0)
		ret = ctl_db_fail(error);
	ctl_desk_free(&d);
	return ret;
}

/* Appends a note naming the rule sets that name what was removed: their
 * actions on it fail from now on (event rule.failed) until changed. */
static int rules_note(struct ctl *ctl, const struct target *t, const char *name, struct buf *b)
{
	struct db_table *rules;
	char *error = NULL;

	if (db_lifecycle_rules_naming(ctl->db, ctl_id(t->tenant_id), name, &rules, &error) < 0)
		return ctl_db_fail(error);
	for (size_t i = 0; i < rules->n_rows; i++) {
		const char *team = db_table_get(rules, i, 0);

		if (team[0] == '\0')
			buf_printf(b, "\nnote: the tenant-wide rules name \"%s\": change them (rule load --tenant-wide)",
				   name);
		else
			buf_printf(b, "\nnote: the rules of team \"%s\" name \"%s\": change them (rule load --team %s)",
				   team, name, team);
	}
	db_table_free(&rules);
	return 0;
}

/* Locks the agent's teams (team_id; 0: all) and the agent before their
 * tickets are handed over (db_lifecycle_agent_lock). 0, or prints and fails. */
static int agent_lock(struct ctl *ctl, const struct target *t, int64_t team_id)
{
	char *error = NULL;

	if (db_lifecycle_agent_lock(ctl->db, ctl_id(t->tenant_id), ctl_id(t->agent_id), team_id, &error) < 0)
		return ctl_db_fail(error);
	return 0;
}

/* ctl_change_run() callback of "agent remove EMAIL". */
static int agent_remove_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	struct target t = { 0 };
	struct buf summary;
	char *error = NULL;
	int ret = target_find(ctl, a, NULL, a->pos[0], &t);

	buf_init(&summary, 0);
	buf_printf(&summary, "agent %s removed from tenant \"%s\"", a->pos[0], t.tenant_name ? t.tenant_name : "");
	if (ret == 0)
		ret = agent_lock(ctl, &t, 0);
	if (ret == 0) {
		t.before = snapshot(ctl, DB_AUDIT_AGENT, t.tenant_id, a->pos[0]);
		ret = handover(ctl, &t, 0, "its assignee was removed and no online teammate could take it", &summary);
	}
	if (ret == 0 && db_lifecycle_agent_remove(ctl->db, ctl_id(t.tenant_id), ctl_id(t.agent_id), &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ret = rules_note(ctl, &t, a->pos[0], &summary);
	if (ret == 0)
		ret = ctl_audit(ctl, t.tenant_id, "agent remove", a->pos[0], t.before, NULL);
	if (ret == 0)
		*done_r = buf_steal(&summary, NULL);
	buf_free(&summary);
	target_free(&t);
	return ret;
}

/* "agent remove EMAIL [--tenant T]". */
static int agent_remove(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, agent_remove_change);
}

/* ctl_change_run() callback of "agent team add|remove EMAIL TEAM". */
static int agent_team_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	bool add = strcmp(a->cmd->words, "agent team add") == 0;
	struct target t = { 0 };
	struct buf summary;
	char *error = NULL, *after = NULL;
	int found = 1, ret = target_find(ctl, a, a->pos[1], a->pos[0], &t);

	buf_init(&summary, 0);
	if (ret == 0 && !add)
		ret = agent_lock(ctl, &t, ctl_id(t.team_id));
	if (ret == 0) {
		t.before = snapshot(ctl, DB_AUDIT_AGENT, t.tenant_id, a->pos[0]);
		found = add ? db_admin_agent_team_join(ctl->db, ctl_id(t.tenant_id), ctl_id(t.team_id),
						       ctl_id(t.agent_id), &error)
			    : db_lifecycle_team_leave(ctl->db, ctl_id(t.tenant_id), ctl_id(t.team_id),
						      ctl_id(t.agent_id), &error);
		if (found < 0)
			ret = ctl_db_fail(error);
		else if (!add && found == 0)
			ret = ctl_fail("agent %s is not in team \"%s\"", a->pos[0], a->pos[1]);
	}
	buf_printf(&summary, "agent %s %s team \"%s\"", a->pos[0], add ? "is in" : "left", a->pos[1]);
	if (ret == 0 && !add)
		ret = handover(ctl, &t, ctl_id(t.team_id),
			       "its assignee left the team and no online teammate could take it", &summary);
	if (ret == 0) {
		after = snapshot(ctl, DB_AUDIT_AGENT, t.tenant_id, a->pos[0]);
		ret = ctl_audit(ctl, t.tenant_id, a->cmd->words, a->pos[0], t.before, after);
	}
	if (ret == 0)
		*done_r = buf_steal(&summary, NULL);
	buf_free(&summary);
	free(after);
	target_free(&t);
	return ret;
}

/* "agent team add|remove EMAIL TEAM [--tenant T]". */
static int agent_team(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, agent_team_change);
}

/* Moves every ticket of the team, closed ones too, to the team named to,
 * through lib/desk's move (event "moved" on each). *n_r: how many. */
static int team_tickets_move(struct ctl *ctl, const struct target *t, const char *to, int64_t *n_r)
{
	struct db_table *tickets;
	char *error = NULL;
	int64_t to_id;
	int ret = 0;

	if (db_lifecycle_team_ticket_list(ctl->db, ctl_id(t->tenant_id), ctl_id(t->team_id), &tickets, &error) < 0)
		return ctl_db_fail(error);
	for (size_t i = 0; i < tickets->n_rows && ret == 0; i++)
		if (desk_ticket_move(ctl->db, ctl_id(t->tenant_id), ctl_id(db_table_get(tickets, i, 0)), to, CTL_ACTOR,
				     &to_id, &error) <= 0)
			ret = error != NULL ? ctl_db_fail(error) : ctl_fail("team \"%s\" not found", to);
	*n_r = (int64_t)tickets->n_rows;
	db_table_free(&tickets);
	return ret;
}

/* Refuses a team that still has tickets and no --move-to. */
static int team_remove_check(struct ctl *ctl, const struct ctl_args *a, const struct target *t, const char *to)
{
	int64_t open = 0, all = 0;
	char *error = NULL;

	if (db_lifecycle_team_tickets(ctl->db, ctl_id(t->tenant_id), ctl_id(t->team_id), &open, &all, &error) < 0)
		return ctl_db_fail(error);
	if (to != NULL || all == 0)
		return 0;
	if (open > 0)
		return ctl_fail("team \"%s\" has %" PRId64 " open ticket%s: give --move-to TEAM to move its tickets",
				a->pos[0], open, open == 1 ? "" : "s");
	return ctl_fail("team \"%s\" has %" PRId64 " closed ticket%s: give --move-to TEAM to keep them under"
			" another team",
			a->pos[0], all, all == 1 ? "" : "s");
}

/* ctl_change_run() callback of "team remove NAME [--move-to TEAM]". */
static int team_remove_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	const char *to = ctl_opt_get(a, "move-to");
	struct target t = { 0 };
	struct buf b;
	char *to_id = NULL, *error = NULL;
	int64_t moved = 0;
	int ret = target_find(ctl, a, a->pos[0], NULL, &t);

	if (ret == 0 && to != NULL && (ret = ctl_team_find(ctl, t.tenant_id, t.tenant_name, to, &to_id)) == 0 &&
	    strcmp(to_id, t.team_id) == 0)
		ret = ctl_fail("--move-to names the team being removed");
	if (ret == 0 && (ret = team_remove_check(ctl, a, &t, to)) == 0) {
		t.before = snapshot(ctl, DB_AUDIT_TEAM, t.tenant_id, a->pos[0]);
		if (to != NULL)
			ret = team_tickets_move(ctl, &t, to, &moved);
	}
	if (ret == 0 && db_lifecycle_team_remove(ctl->db, ctl_id(t.tenant_id), ctl_id(t.team_id), ctl_id(to_id),
						 &error) < 0)
		ret = ctl_db_fail(error);
	if (ret == 0)
		ret = ctl_audit(ctl, t.tenant_id, "team remove", a->pos[0], t.before, NULL);
	buf_init(&b, 0);
	if (to != NULL)
		buf_printf(&b, "team \"%s\" removed; %" PRId64 " ticket%s moved to team \"%s\"", a->pos[0], moved,
			   moved == 1 ? "" : "s", to);
	else
		buf_printf(&b, "team \"%s\" removed", a->pos[0]);
	if (ret == 0)
		ret = rules_note(ctl, &t, a->pos[0], &b);
	if (ret == 0)
		*done_r = buf_steal(&b, NULL);
	buf_free(&b);
	free(to_id);
	target_free(&t);
	return ret;
}

/* "team remove NAME [--move-to TEAM] [--tenant T]". */
static int team_remove(struct ctl *ctl, const struct ctl_args *a)
{
	return ctl_change_run(ctl, a, team_remove_change);
}

/* The DNS records the tenant's domains had published, to delete now. */
static void tenant_dns_text(const struct db_table *dns, struct buf *b)
{
	if (dns->n_rows == 0)
		return;
	buf_append_str(b, "\n; DNS records to delete (they named this tenant's keys and mail):");
	for (size_t i = 0; i < dns->n_rows; i++) {
		const char *domain = db_table_get(dns, i, 0), *selector = db_table_get(dns, i, 1);
		bool first = i == 0 || strcmp(domain, db_table_get(dns, i - 1, 0)) != 0;

		if (first)
			buf_printf(b, "\n; %s: its _dmarc.%s TXT, SPF and MX records if they were set only for maildesk",
				   domain, domain);
		if (selector != NULL)
			buf_printf(b, "\n%s._domainkey.%s. TXT  ; DKIM key file %s under dkim_key_dir", selector, domain,
				   db_table_get(dns, i, 2));
	}
}

/* ctl_change_run() callback of "tenant remove NAME --confirm NAME". */
static int tenant_remove_change(struct ctl *ctl, const struct ctl_args *a, char **done_r)
{
	char *before = snapshot(ctl, DB_AUDIT_TENANT, NULL, a->pos[0]), *error = NULL, *id;
	struct db_table *dns = NULL;
	struct buf b;
	int64_t tenant_id;
	int found = db_admin_tenant_find(ctl->db, a->pos[0], &tenant_id, &error), ret = 0;

	if (found <= 0) {
		free(before);
		return found < 0 ? ctl_db_fail(error) : ctl_fail("tenant \"%s\" not found", a->pos[0]);
	}
	id = xasprintf("%" PRId64, tenant_id);
	/* Recorded first, while the tenant's name can still be read. */
	ret = ctl_audit(ctl, id, "tenant remove", a->pos[0], before, NULL);
	if (ret == 0 && db_lifecycle_tenant_dns(ctl->db, tenant_id, &dns, &error) < 0) {
		ret = ctl_db_fail(error);
		error = NULL;
	}
	if (ret == 0 && db_lifecycle_tenant_remove(ctl->db, tenant_id, &error) < 0)
		ret = ctl_fail("tenant \"%s\" not removed: %s", a->pos[0], error);
	if (ret == 0) {
		buf_init(&b, 0);
		buf_printf(&b, "tenant \"%s\" removed with its teams, aliases, agents, tickets, messages, outbound mail,"
			   " sending domains and keys",
			   a->pos[0]);
		tenant_dns_text(dns, &b);
		*done_r = buf_steal(&b, NULL);
	}
	db_table_free(&dns);
	free(error);
	free(before);
	free(id);
	return ret;
}

/* "tenant remove NAME --confirm NAME": the name twice, so that a slip of
 * the shell history does not erase a tenant. */
static int tenant_remove(struct ctl *ctl, const struct ctl_args *a)
{
	const char *confirm = ctl_opt_get(a, "confirm");

	if (confirm == NULL || strcmp(confirm, a->pos[0]) != 0)
		return ctl_usage_error(a, "removing tenant \"%s\" deletes all of its data: repeat its name with"
					  " --confirm %s",
				       a->pos[0], a->pos[0]);
	return ctl_change_run(ctl, a, tenant_remove_change);
}

const struct ctl_command ctl_lifecycle_commands[] = {
	{ "team alias remove", "TEAM ADDR [--tenant T]",
	  "take an address from a team: mail to it is refused (550 5.1.1); its tickets stay", 2, 2, "tenant=",
	  alias_remove },
	{ "team remove", "NAME [--move-to TEAM] [--tenant T]",
	  "remove a team with its aliases, templates, rules and channels; a team with tickets needs --move-to"
	  " (its tickets move there)",
	  1, 1, "move-to= tenant=", team_remove },
	{ "agent remove", "EMAIL [--tenant T]",
	  "remove an agent: their open tickets go to teammates by the team's strategy, their reply addresses stop"
	  " working",
	  1, 1, "tenant=", agent_remove },
	{ "agent team add", "EMAIL TEAM [--tenant T]", "put an agent in a team", 2, 2, "tenant=", agent_team },
	{ "agent team remove", "EMAIL TEAM [--tenant T]",
	  "take an agent out of a team; their open tickets of that team go to teammates", 2, 2, "tenant=",
	  agent_team },
	{ "tenant remove", "NAME --confirm NAME",
	  "remove a tenant and everything of it (one transaction); prints the DNS records to delete", 1, 1,
	  "confirm=", tenant_remove },
	{ NULL, NULL, NULL, 0, 0, NULL, NULL },
};
