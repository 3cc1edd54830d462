/* Typed operations on one ticket row, its events, tags and fields, and the
 * lookups they need (contracts in db-ticket.h). */
#include "config.h"
#include "db/db-ticket.h"
#include "db/db-deliver.h"
#include "db-private.h"
#include "db-ticket-private.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/xalloc.h"

/* One place that turns a statement's rows into a count and a first cell
 * (contract in db-ticket-private.h). */
int db_ticket_run(struct db *db, const char *sql, size_t n, const char *const *params, char **first_r,
		  char **error_r)
{
	struct db_table *res = NULL;
	int rows;

	if (first_r != NULL)
		*first_r = NULL;
	if (db_exec(db, sql, n, params, &res, error_r) < 0)
		return -1;
	rows = (int)res->n_rows;
	if (first_r != NULL && rows > 0 && res->n_cols > 0 && db_table_get(res, 0, 0) != NULL)
		*first_r = xstrdup(db_table_get(res, 0, 0));
	db_table_free(&res);
	return rows;
}

/* One statement on one ticket ($1 tenant, $2 ticket, then up to two text
 * arguments, NULL = SQL NULL): 1 when it returned a row, else 0, or -1. */
static int ticket_stmt(struct db *db, const char *sql, int64_t tenant_id, int64_t ticket_id, size_t n_args,
		       const char *arg, const char *arg2, char **error_r)
{
	struct db_num tn, tk;
	const char *params[4] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), arg, arg2 };
	int rows = db_ticket_run(db, sql, 2 + n_args, params, NULL, error_r);

	return rows < 0 ? -1 : rows > 0;
}

const char *db_ticket_status_name(enum db_ticket_status st)
{
	static const char *const names[] = { "open", "pending", "solved", "closed" };

	return (unsigned)st < sizeof(names) / sizeof(names[0]) ? names[st] : "open";
}

/* The one statement that changes a ticket's status: its side effects on
 * closed_at and snooze_until are decided here and nowhere else. */
int db_ticket_set_status_from(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_ticket_status st,
			      const char *from, char **error_r)
{
	return ticket_stmt(db,
			   "UPDATE tickets SET status = $3, snooze_until = NULL, updated_at = now(),"
			   " closed_at = CASE WHEN $3 IN ('closed', 'solved') THEN now() ELSE NULL END"
			   " WHERE tenant_id = $1 AND id = $2 AND status <> $3 AND status <> 'merged'"
			   " AND ($4::text IS NULL OR status = $4) RETURNING id",
			   tenant_id, ticket_id, 2, db_ticket_status_name(st), from, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_set_status(struct db *db, int64_t tenant_id, int64_t ticket_id, enum db_ticket_status st,
			 char **error_r)
{
	return db_ticket_set_status_from(db, tenant_id, ticket_id, st, NULL, error_r);
}

/* The wake time: Unix seconds, seconds from now, or a wall-clock time in
 * the team's zone; refused when past if $6. */
#define SNOOZE_SQL                                                                                           \
	"UPDATE tickets t SET status = 'snoozed', snooze_until = x.until, updated_at = now()"                  \
	" FROM (SELECT tm.tenant_id, tm.id, tm.time_zone, CASE $3"                                              \
	"   WHEN 'at' THEN to_timestamp($4::double precision)"                                                            \
	"   WHEN 'for' THEN now() + make_interval(secs => $4::double precision)"                                \
	"   ELSE $5::timestamp AT TIME ZONE tm.time_zone END AS until FROM teams tm"                            \
	"   WHERE tm.tenant_id = $1) x"                                                                          \
	" WHERE t.tenant_id = $1 AND t.id = $2 AND x.id = t.team_id AND (NOT $6::boolean OR x.until > now())"  \
	" RETURNING to_char(t.snooze_until AT TIME ZONE x.time_zone, 'YYYY-MM-DD HH24:MI') || ' ' || x.time_zone," \
	" t.snooze_until <= now()"

/* Whether the wake time w names has passed (for a refused snooze). */
static int snooze_past(struct db *db, const char *const *params, bool *past_r, char **error_r)
{
	char *v = NULL;
	int rows = db_ticket_run(db,
				 "SELECT CASE $3 WHEN 'at' THEN to_timestamp($4::double precision)"
				 " WHEN 'for' THEN now() + make_interval(secs => $4::double precision)"
				 " ELSE $5::timestamp AT TIME ZONE tm.time_zone END <= now()"
				 " FROM tickets t JOIN teams tm ON tm.tenant_id = t.tenant_id AND tm.id = t.team_id"
				 " WHERE t.tenant_id = $1 AND t.id = $2",
				 5, params, &v, error_r);

	*past_r = rows > 0 && v != NULL && v[0] == 't';
	free(v);
	return rows < 0 ? -1 : 0;
}

/* Contract in db-ticket.h. */
int db_ticket_snooze(struct db *db, int64_t tenant_id, int64_t ticket_id, const struct db_snooze *w,
		     struct db_snoozed *out, char **error_r)
{
	static const char *const kinds[] = { "at", "for", "local" };
	struct db_num tn, tk, v;
	const char *params[6] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), kinds[w->kind],
				  w->kind != DB_SNOOZE_LOCAL ? db_num(&v, w->value) : NULL,
				  w->kind == DB_SNOOZE_LOCAL ? w->local : NULL, w->refuse_past ? "t" : "f" };
	struct db_table *res = NULL;
	int rows;

	memset(out, 0, sizeof(*out));
	if (db_exec(db, SNOOZE_SQL, 6, params, &res, error_r) < 0)
		return -1;
	rows = (int)res->n_rows;
	if (rows > 0) {
		snprintf(out->until, sizeof(out->until), "%s", db_table_get(res, 0, 0));
		out->past = db_table_get(res, 0, 1)[0] == 't';
	}
	db_table_free(&res);
	if (rows == 0 && w->refuse_past && snooze_past(db, params, &out->past, error_r) < 0)
		return -1;
	return rows > 0;
}

/* Contract in db-ticket.h. */
int db_ticket_set_priority(struct db *db, int64_t tenant_id, int64_t ticket_id, int priority, char **error_r)
{
	struct db_num p;

	return ticket_stmt(db,
			   "UPDATE tickets SET priority = $3::smallint, updated_at = now() WHERE tenant_id = $1"
			   " AND id = $2 AND priority <> $3::smallint RETURNING id",
			   tenant_id, ticket_id, 1, db_num(&p, priority), NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_set_assignee(struct db *db, int64_t tenant_id, int64_t ticket_id, int64_t agent_id,
			   char **error_r)
{
	struct db_num ag;

	return ticket_stmt(db,
			   "UPDATE tickets SET assignee_id = $3::bigint, updated_at = now() WHERE tenant_id = $1"
			   " AND id = $2 AND assignee_id IS DISTINCT FROM $3::bigint RETURNING id",
			   tenant_id, ticket_id, 1, agent_id != 0 ? db_num(&ag, agent_id) : NULL, NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_move_team(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *team_name,
			int64_t *team_id_r, char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), team_name };
	char *team = NULL;
	int rows = db_ticket_run(db,
				 "UPDATE tickets t SET team_id = tm.id, updated_at = now() FROM (SELECT id FROM teams"
				 " WHERE tenant_id = $1 AND lower(name) = lower($3) ORDER BY name = $3 DESC LIMIT 1) tm"
				 " WHERE t.tenant_id = $1 AND t.id = $2 RETURNING tm.id",
				 3, params, &team, error_r);

	if (rows > 0 && team != NULL)
		*team_id_r = strtoll(team, NULL, 10);
	free(team);
	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-ticket.h. */
int db_ticket_tag_add(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r)
{
	return ticket_stmt(db,
			   "INSERT INTO ticket_tags (tenant_id, ticket_id, tag) VALUES ($1, $2, lower($3))"
			   " ON CONFLICT DO NOTHING RETURNING tag",
			   tenant_id, ticket_id, 1, tag, NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_tag_remove(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r)
{
	return ticket_stmt(db,
			   "DELETE FROM ticket_tags WHERE tenant_id = $1 AND ticket_id = $2 AND tag = lower($3)"
			   " RETURNING tag",
			   tenant_id, ticket_id, 1, tag, NULL, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_field_set(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *name, const char *value,
			char **error_r)
{
	return ticket_stmt(db,
			   "UPDATE tickets SET fields = fields || jsonb_build_object($3::text, $4::text),"
			   " updated_at = now() WHERE tenant_id = $1 AND id = $2 RETURNING id",
			   tenant_id, ticket_id, 2, name, value, error_r);
}

/* Contract in db-ticket.h. */
int db_ticket_agent_id(struct db *db, int64_t tenant_id, const char *email, int64_t *agent_id_r, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), email };
	char *id = NULL;
	int rows = db_ticket_run(db, "SELECT id FROM agents WHERE tenant_id = $1 AND email = lower($2)", 2, params,
				 &id, error_r);

	if (rows > 0)
		*agent_id_r = strtoll(id, NULL, 10);
	free(id);
	return rows < 0 ? -1 : rows > 0;
}

/* Contract in db-ticket.h. */
int db_ticket_team_max_open(struct db *db, int64_t tenant_id, int64_t team_id, unsigned *max_r, char **error_r)
{
	struct db_num tn, tm;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tm, team_id) };
	char *v = NULL;
	int rows = db_ticket_run(db, "SELECT assign_max_open FROM teams WHERE tenant_id = $1 AND id = $2", 2, params,
				 &v, error_r);

	*max_r = v != NULL ? (unsigned)strtoul(v, NULL, 10) : 0;
	free(v);
	return rows < 0 ? -1 : 0;
}
