/* Typed operations for what runs by the clock or by the team: SLA due
 * times, snooze and SLA timers, picking an assignee, agent status and the
 * tickets an agent hands over (contracts in db-ticket.h). */
#include "config.h"
#include "db/db-ticket.h"
#include "db-private.h"
#include "db-ticket-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* One statement on one ticket ($1 tenant, $2 ticket) without rows. */
static int ticket_exec(struct db *db, const char *sql, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	struct db_num tn, tk;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id) };

	return db_exec(db, sql, 2, params, NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_sla_update(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	/* No policy row, or a NULL target: no due time. */
	return ticket_exec(db,
			   "UPDATE tickets t SET"
			   " first_response_due = (SELECT md_business_add(t.tenant_id, t.team_id, t.created_at,"
			   " p.first_response_minutes) FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			   " AND p.team_id = t.team_id AND p.priority = t.priority),"
			   " resolution_due = (SELECT md_business_add(t.tenant_id, t.team_id, t.created_at,"
			   " p.resolution_minutes) FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			   " AND p.team_id = t.team_id AND p.priority = t.priority)"
			   " WHERE t.tenant_id = $1 AND t.id = $2"
			   /* Nothing to write (no policy, no due times yet): no new
			    * row version, the common case on every new ticket. */
			   " AND (t.first_response_due IS NOT NULL OR t.resolution_due IS NOT NULL"
			   " OR EXISTS (SELECT 1 FROM sla_policies p WHERE p.tenant_id = t.tenant_id"
			   " AND p.team_id = t.team_id))",
			   tenant_id, ticket_id, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_first_response(struct db *db, int64_t tenant_id, int64_t ticket_id, char **error_r)
{
	return ticket_exec(db,
			   "UPDATE tickets SET first_response_at = now() WHERE tenant_id = $1 AND id = $2"
			   " AND first_response_at IS NULL",
			   tenant_id, ticket_id, error_r);
}

/* Due snoozes, oldest first; rows another daemon holds are left to it. */
#define WAKE_CLAIM                                                                                     \
	"SELECT tenant_id, id FROM tickets WHERE status = 'snoozed' AND snooze_until <= now()"         \
	" ORDER BY snooze_until LIMIT $1 FOR UPDATE SKIP LOCKED"
/* Unbreached SLA targets past due (the predicates of their partial indexes). */
#define FIRST_RESPONSE_CLAIM                                                                           \
	"SELECT tenant_id, id FROM tickets WHERE first_response_due <= now() AND first_response_at IS NULL" \
	" AND first_response_breached_at IS NULL AND status NOT IN ('solved', 'closed', 'merged')"        \
	" ORDER BY first_response_due LIMIT $1 FOR UPDATE SKIP LOCKED"
#define RESOLUTION_CLAIM                                                                                \
	"SELECT tenant_id, id FROM tickets WHERE resolution_due <= now() AND resolution_breached_at IS NULL" \
	" AND status NOT IN ('solved', 'closed', 'merged') ORDER BY resolution_due LIMIT $1"           \
	" FOR UPDATE SKIP LOCKED"
/* Solved tickets whose team's close-after time has passed since they were
 * solved (closed_at is the time they were solved). */
#define SOLVED_CLOSE_AT "t.closed_at + make_interval(secs => tm.close_after_s)"
#define CLOSE_CLAIM                                                                                    \
	"SELECT t.tenant_id, t.id FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id"          \
	" AND tm.id = t.team_id WHERE t.status = 'solved' AND tm.close_after_s IS NOT NULL"            \
	" AND " SOLVED_CLOSE_AT " <= now() ORDER BY t.closed_at LIMIT $1 FOR UPDATE OF t SKIP LOCKED"
/* The earliest close-after due time: the oldest solved ticket of each team
 * that has one (an index probe per team, sql/017's tickets_solved). */
#define SOLVED_NEXT                                                                                    \
	"SELECT min(s.at) FROM teams tm CROSS JOIN LATERAL (SELECT " SOLVED_CLOSE_AT " AS at"          \
	" FROM tickets t WHERE t.tenant_id = tm.tenant_id AND t.team_id = tm.id AND t.status = 'solved'" \
	" ORDER BY t.closed_at LIMIT 1) s WHERE tm.close_after_s IS NOT NULL"
/* The earliest of the five (order reminders: db-order.h), rounded up to the second (never early). */
#define NEXT_DUE                                                                                       \
	"SELECT ceil(extract(epoch FROM least("                                                       \
	"(SELECT min(snooze_until) FROM tickets WHERE status = 'snoozed'),"                           \
	" (SELECT min(first_response_due) FROM tickets WHERE first_response_at IS NULL"               \
	" AND first_response_breached_at IS NULL AND first_response_due IS NOT NULL"                  \
	" AND status NOT IN ('solved', 'closed', 'merged')),"                                         \
	" (SELECT min(resolution_due) FROM tickets WHERE resolution_breached_at IS NULL"              \
	" AND resolution_due IS NOT NULL AND status NOT IN ('solved', 'closed', 'merged')),"          \
	" (SELECT min(m.order_reminder_after + (SELECT min(t.created_at) FROM tickets t"              \
	" WHERE t.tenant_id = m.tenant_id AND t.team_id = m.id AND t.order_ref IS NULL"               \
	" AND t.order_reminder_at IS NULL AND NOT t.order_reminder_off"                               \
	" AND t.status IN ('open', 'pending'))) FROM teams m WHERE m.order_reminder_after IS NOT NULL)," \
	" (" SOLVED_NEXT "))))::bigint"

/* Claims rows (tenant_id, id) with sql ($1: the limit). */
static int claim(struct db *db, const char *sql, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
		 char **error_r)
{
	struct db_num lim;
	const char *params[1] = { db_num(&lim, limit) };
	struct db_table *res = NULL;

	*refs_r = NULL;
	*n_r = 0;
	if (db_exec(db, sql, 1, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows > 0)
		*refs_r = xcalloc(res->n_rows, sizeof(**refs_r));
	for (size_t i = 0; i < res->n_rows; i++) {
		(*refs_r)[i].tenant_id = strtoll(db_table_get(res, i, 0), NULL, 10);
		(*refs_r)[i].ticket_id = strtoll(db_table_get(res, i, 1), NULL, 10);
	}
	*n_r = res->n_rows;
	db_table_free(&res);
	return 0;
}

/* Contract in db-ticket.h. */
int db_ticket_wake_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			 char **error_r)
{
	return claim(db, WAKE_CLAIM, limit, refs_r, n_r, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_close_claim(struct db *db, unsigned limit, struct db_ticket_ref **refs_r, size_t *n_r,
			  char **error_r)
{
	return claim(db, CLOSE_CLAIM, limit, refs_r, n_r, error_r);
}

const char *db_sla_target_name(enum db_sla_target t)
{
	return t == DB_SLA_FIRST_RESPONSE ? "first_response" : "resolution";
}

/* Contract in db-ticket.h. */
int db_ticket_sla_claim(struct db *db, enum db_sla_target target, unsigned limit, struct db_ticket_ref **refs_r,
			size_t *n_r, char **error_r)
{
	return claim(db, target == DB_SLA_FIRST_RESPONSE ? FIRST_RESPONSE_CLAIM : RESOLUTION_CLAIM, limit, refs_r,
		     n_r, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_sla_breach_mark(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_sla_target target,
			      char **error_r)
{
	return ticket_exec(db,
			   target == DB_SLA_FIRST_RESPONSE
				   ? "UPDATE tickets SET first_response_breached_at = now() WHERE tenant_id = $1 AND id = $2"
				   : "UPDATE tickets SET resolution_breached_at = now() WHERE tenant_id = $1 AND id = $2",
			   tenant_id, ticket_id, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_timers_next(struct db *db, int64_t *at_r, char **error_r)
{
	char *v = NULL;
	int rows = db_ticket_run(db, NEXT_DUE, 0, NULL, &v, error_r);

	if (rows < 0)
		return -1;
	if (v != NULL)
		*at_r = strtoll(v, NULL, 10);
	free(v);
	return v != NULL;
}

/* Locks the team row, so concurrent picks for one team take turns (the
 * round-robin position and the open counts they read stay true until
 * commit). 1 found (*rr_last_r: 0 for none), 0 no such team, -1 error. */
static int team_lock(struct db *db, const char *tn, const char *tm, int64_t *rr_last_r, char **error_r)
{
	const char *params[2] = { tn, tm };
	char *v = NULL;
	int rows = db_ticket_run(db,
				 "SELECT coalesce(rr_last_agent_id, 0) FROM teams WHERE tenant_id = $1 AND id = $2"
				 " FOR UPDATE",
				 2, params, &v, error_r);

	*rr_last_r = v != NULL ? strtoll(v, NULL, 10) : 0;
	free(v);
	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-ticket.h. */
int db_assign_pick(struct db *db, int64_t tenant_id, int64_t team_id, bool least_open, unsigned max_open,
		   int64_t exclude_agent_id, int64_t *agent_id_r, char **error_r)
{
	struct db_num tn, tm, ex, mx, last;
	const char *params[6] = { db_num(&tn, tenant_id), db_num(&tm, team_id), db_num(&ex, exclude_agent_id),
				  db_num(&mx, max_open), NULL, least_open ? "least-open" : "round-robin" };
	char *v = NULL;
	int64_t rr_last;
	int found;

	if ((found = team_lock(db, params[0], params[1], &rr_last, error_r)) <= 0)
		return found;
	params[4] = db_num(&last, rr_last);
	/* Round-robin: the first id after the last one, else (wrapping) the
	 * first; least-open: the fewest, then the lowest id. */
	found = db_ticket_run(db,
			      "SELECT c.id FROM (SELECT a.id, (SELECT count(*) FROM tickets t WHERE t.tenant_id = a.tenant_id"
			      " AND t.assignee_id = a.id AND t.status IN ('open', 'pending', 'snoozed')) AS n"
			      " FROM team_agents ta JOIN agents a ON a.tenant_id = ta.tenant_id AND a.id = ta.agent_id"
			      " WHERE ta.tenant_id = $1 AND ta.team_id = $2 AND a.status = 'online' AND a.id <> $3::bigint) c"
			      " WHERE $4::int = 0 OR c.n < $4::int"
			      " ORDER BY CASE WHEN $6 = 'round-robin' THEN c.id <= $5::bigint ELSE false END,"
			      " CASE WHEN $6 = 'least-open' THEN c.n ELSE 0 END, c.id LIMIT 1",
			      6, params, &v, error_r);
	if (found > 0)
		*agent_id_r = strtoll(v, NULL, 10);
	free(v);
	if (found > 0 && !least_open) {
		const char *up[3] = { params[0], params[1], db_num(&last, *agent_id_r) };
		if (db_exec(db, "UPDATE teams SET rr_last_agent_id = $3 WHERE tenant_id = $1 AND id = $2", 3, up, NULL,
			    error_r) < 0)
			return -1;
	}
	return found < 0 ? -1 : found > 0;
}

/* Contract in db-ticket.h. */
int db_agent_status_set(struct db *db, int64_t tenant_id, int64_t agent_id, const char *status, char **error_r)
{
	struct db_num tn, ag;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&ag, agent_id), status };

	return db_exec(db, "UPDATE agents SET status = $3 WHERE tenant_id = $1 AND id = $2", 3, params, NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_handover_list(struct db *db, int64_t tenant_id, int64_t agent_id, struct db_ticket_handover **rows_r,
			    size_t *n_r, char **error_r)
{
	struct db_num tn, ag;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&ag, agent_id) };
	struct db_table *res = NULL;

	*rows_r = NULL;
	*n_r = 0;
	if (db_exec(db,
		    "SELECT t.id, t.number, t.team_id, tm.assign_strategy = 'least-open', tm.assign_max_open FROM tickets t"
		    " JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"
		    " WHERE t.tenant_id = $1 AND t.assignee_id = $2 AND t.status IN ('open', 'pending', 'snoozed')"
		    " ORDER BY t.priority DESC, t.created_at, t.id FOR UPDATE OF t",
		    2, params, &res, error_r) < 0)
		return -1;
	if (res->n_rows > 0)
		*rows_r = xcalloc(res->n_rows, sizeof(**rows_r));
	for (size_t i = 0; i < res->n_rows; i++) {
		struct db_ticket_handover *h = &(*rows_r)[i];
		h->ticket_id = strtoll(db_table_get(res, i, 0), NULL, 10);
		h->number = strtoll(db_table_get(res, i, 1), NULL, 10);
		h->team_id = strtoll(db_table_get(res, i, 2), NULL, 10);
		h->least_open = strcmp(db_table_get(res, i, 3), "t") == 0;
		h->max_open = (unsigned)strtoul(db_table_get(res, i, 4), NULL, 10);
	}
	*n_r = res->n_rows;
	db_table_free(&res);
	return 0;
}
