/* A team's routing and SLA policies as the administrator changes them
 * (contracts in db-admin-team.h). */
#include "config.h"
#include "db/db-admin-team.h"
#include "db/db-admin-private.h"

#include <stdio.h>
#include <stdlib.h>

/* Contract in db-admin-team.h. */
int db_admin_team_hours_set(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_team_hours_row *rows,
			    size_t n, char **error_r)
{
	struct db_num tn, mn, dn;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&mn, team_id) };

	if (db_exec(db, "DELETE FROM team_hours WHERE tenant_id = $1 AND team_id = $2", 2, params, NULL, error_r) < 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		params[2] = db_num(&dn, rows[i].dow);
		params[3] = rows[i].opens;
		params[4] = rows[i].closes;
		if (db_exec(db,
			    "INSERT INTO team_hours (tenant_id, team_id, dow, opens, closes)"
			    " VALUES ($1, $2, $3::smallint, $4::time, $5::time)",
			    5, params, NULL, error_r) < 0)
			return -1;
	}
	return 0;
}

/* Contract in db-admin-team.h. */
bool db_admin_time_zone_valid(struct db *db, const char *name)
{
	const char *params[1] = { name };
	char *error = NULL;
	int ret = db_exec(db, "SELECT now() AT TIME ZONE $1", 1, params, NULL, &error);

	free(error);
	return ret == 0;
}

/* Contract in db-admin-team.h. */
int db_admin_team_routing_set(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_team_routing *r,
			      char **error_r)
{
	struct db_num tn, mn, on;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&mn, team_id), r->strategy,
				  r->max_open >= 0 ? db_num(&on, r->max_open) : NULL, r->time_zone };

	return db_exec(db,
		       "UPDATE teams SET assign_strategy = coalesce($3, assign_strategy),"
		       " assign_max_open = coalesce($4::integer, assign_max_open), time_zone = coalesce($5, time_zone)"
		       " WHERE tenant_id = $1 AND id = $2",
		       5, params, NULL, error_r);
}

/* A target as the statement takes it: NULL keep, "" none, else minutes. */
static const char *sla_target(struct db_num *n, int64_t minutes)
{
	if (minutes == DB_SLA_KEEP)
		return NULL;
	if (minutes == DB_SLA_NONE)
		return "";
	return db_num(n, minutes);
}

/* Contract in db-admin-team.h. */
int db_admin_sla_set(struct db *db, int64_t tenant_id, int64_t team_id, int priority, int64_t first_response_min,
		     int64_t resolution_min, char **error_r)
{
	struct db_num tn, mn, pn, fn, rn;
	const char *params[5] = { db_num(&tn, tenant_id), db_num(&mn, team_id), db_num(&pn, priority),
				  sla_target(&fn, first_response_min), sla_target(&rn, resolution_min) };

	return db_exec(db,
		       "INSERT INTO sla_policies (tenant_id, team_id, priority, first_response_minutes, resolution_minutes)"
		       " VALUES ($1, $2, $3::smallint, nullif($4, '')::integer, nullif($5, '')::integer)"
		       " ON CONFLICT (tenant_id, team_id, priority) DO UPDATE SET"
		       " first_response_minutes = CASE WHEN $4 IS NULL THEN sla_policies.first_response_minutes"
		       "  ELSE excluded.first_response_minutes END,"
		       " resolution_minutes = CASE WHEN $5 IS NULL THEN sla_policies.resolution_minutes"
		       "  ELSE excluded.resolution_minutes END",
		       5, params, NULL, error_r);
}
