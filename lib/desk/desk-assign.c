/* Handing tickets to agents: picking one of a team's online agents by
 * round-robin or by the fewest open tickets, and assigning (recorded on
 * the ticket, the new assignee told by mail). */
#include "config.h"
#include "desk/desk-rules-private.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/xalloc.h"

/* Locks the team row, so concurrent picks for one team take turns (the
 * round-robin position and the open counts they read stay true until
 * commit). 1 found (*rr_last_r: 0 for none), 0 no such team, -1 error. */
static int team_lock(struct db *db, const char *tn, const char *tm, int64_t *rr_last_r, char **error_r)
{
	const char *params[2] = { tn, tm };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db, "SELECT coalesce(rr_last_agent_id, 0) FROM teams WHERE tenant_id = $1 AND id = $2 FOR UPDATE", 2,
		    params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	*rr_last_r = found ? strtoll(db_table_get(res, 0, 0), NULL, 10) : 0;
	db_table_free(&res);
	return found;
}

int desk_assign_pick(struct db *db, int64_t tenant_id, int64_t team_id, enum rules_strategy strategy,
		     unsigned max_open, int64_t exclude_agent_id, int64_t *agent_id_r, char **error_r)
{
	char tn[24], tm[24], ex[24], mx[16], last[24];
	const char *params[6] = { tn, tm, ex, mx, last, strategy == RULES_LEAST_OPEN ? "least-open" : "round-robin" };
	struct db_table *res = NULL;
	int64_t rr_last;
	int found;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tm, sizeof(tm), "%" PRId64, team_id);
	snprintf(ex, sizeof(ex), "%" PRId64, exclude_agent_id);
	snprintf(mx, sizeof(mx), "%u", max_open);
	if ((found = team_lock(db, tn, tm, &rr_last, error_r)) <= 0)
		return found;
	snprintf(last, sizeof(last), "%" PRId64, rr_last);
	/* Round-robin: the first id after the last one, else (wrapping) the
	 * first; least-open: the fewest, then the lowest id. */
	if (db_exec(db,
		    "SELECT c.id FROM (SELECT a.id, (SELECT count(*) FROM tickets t WHERE t.tenant_id = a.tenant_id"
		    " AND t.assignee_id = a.id AND t.status IN ('open', 'pending', 'snoozed')) AS n"
		    " FROM team_agents ta JOIN agents a ON a.tenant_id = ta.tenant_id AND a.id = ta.agent_id"
		    " WHERE ta.tenant_id = $1 AND ta.team_id = $2 AND a.status = 'online' AND a.id <> $3::bigint) c"
		    " WHERE $4::int = 0 OR c.n < $4::int"
		    " ORDER BY CASE WHEN $6 = 'round-robin' THEN c.id <= $5::bigint ELSE false END,"
		    " CASE WHEN $6 = 'least-open' THEN c.n ELSE 0 END, c.id LIMIT 1",
		    6, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*agent_id_r = strtoll(db_table_get(res, 0, 0), NULL, 10);
	db_table_free(&res);
	if (found && strategy == RULES_ROUND_ROBIN) {
		snprintf(last, sizeof(last), "%" PRId64, *agent_id_r);
		const char *up[3] = { tn, tm, last };
		if (db_exec(db, "UPDATE teams SET rr_last_agent_id = $3 WHERE tenant_id = $1 AND id = $2", 3, up, NULL,
			    error_r) < 0)
			return -1;
	}
	return found;
}

/* The short mail that tells an agent a ticket is now theirs. */
static int assign_notice(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			 const struct desk_agent *a, const char *actor, char **error_r)
{
	struct desk_ticket t;
	struct buf b;
	char *body;
	int ret;

	if (desk_ticket_load(db, s, tenant_id, ticket_id, &t, error_r) < 0)
		return -1;
	buf_init(&b, 0);
	buf_printf(&b, "Ticket %" PRId64 ", %s, is now assigned to you (by %s).\n\n", t.number, t.subject, actor);
	buf_printf(&b, "Team: %s | Status: %s | Priority: %s | Tags: %s\n", t.team_name, t.status,
		   desk_priority_name(t.priority), t.tags[0] ? t.tags : "-");
	buf_printf(&b, "From: %s\n", t.requester_email);
	body = buf_steal(&b, NULL);
	ret = desk_agent_notice(db, s, tenant_id, &t, a, "Assigned: ", body, NULL, error_r);
	free(body);
	desk_ticket_free(&t);
	return ret;
}

/* Sets the assignee when it changes. 1 changed, 0 it already was, -1. */
static int assignee_set(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id, char **error_r)
{
	char tn[24], tk[24], ag[24];
	const char *params[3] = { tn, tk, agent_id != 0 ? ag : NULL };
	struct db_table *res = NULL;
	int changed;

	snprintf(tn, sizeof(tn), "%" PRId64, tenant_id);
	snprintf(tk, sizeof(tk), "%" PRId64, ticket_id);
	snprintf(ag, sizeof(ag), "%" PRId64, agent_id);
	if (db_exec(db,
		    "UPDATE tickets SET assignee_id = $3::bigint, updated_at = now() WHERE tenant_id = $1 AND id = $2"
		    " AND assignee_id IS DISTINCT FROM $3::bigint RETURNING id",
		    3, params, &res, error_r) < 0)
		return -1;
	changed = res->n_rows > 0;
	db_table_free(&res);
	return changed;
}

int desk_ticket_assign_how(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
			   int64_t agent_id, const char *actor, const char *how, char **error_r)
{
	struct desk_agent a;
	char *detail;
	int found = 0, ret;

	if (agent_id != 0 && (found = desk_agent_load(db, tenant_id, agent_id, &a, error_r)) <= 0) {
		if (found == 0)
			*error_r = xasprintf("no agent %" PRId64 " in tenant %" PRId64, agent_id, tenant_id);
		return -1;
	}
	if ((ret = assignee_set(db, tenant_id, ticket_id, agent_id, error_r)) > 0) {
		detail = agent_id == 0 ? xstrdup(how != NULL ? how : "")
				       : xasprintf("%s%s%s", a.email, how != NULL ? " " : "", how != NULL ? how : "");
		if (desk_event(db, tenant_id, ticket_id, agent_id != 0 ? "assigned" : "unassigned", actor, detail,
			       error_r) < 0 ||
		    (agent_id != 0 && (strcmp(a.status, "online") == 0 || a.notify_offline) &&
		     assign_notice(db, s, tenant_id, ticket_id, &a, actor, error_r) < 0))
			ret = -1;
		free(detail);
	}
	if (agent_id != 0)
		desk_agent_free(&a);
	return ret;
}

int desk_ticket_assign(struct db *db, const struct desk_settings *s, int64_t tenant_id, int64_t ticket_id,
		       int64_t agent_id, const char *actor, char **error_r)
{
	return desk_ticket_assign_how(db, s, tenant_id, ticket_id, agent_id, actor, NULL, error_r) < 0 ? -1 : 0;
}
