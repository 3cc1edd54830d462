#ifndef MD_DB_ADMIN_TEAM_H
#define MD_DB_ADMIN_TEAM_H
/* The administrator's writes of a team's routing: its calendar, time
 * zone, assignment strategy and SLA policies (maildeskctl "team routing",
 * "sla set"). Every function returns -1 with *error_r (malloc'd) on a
 * database error. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* One span of a team's week: day 0 (Sunday) to 6, "HH:MM" opens and
 * closes ("24:00" closes at midnight). */
struct db_team_hours_row {
	int dow;
	const char *opens, *closes;
};
/* Replaces the team's calendar with n rows (0: open always). Returns 0.
 * Run it inside a transaction, or a failure leaves part of it. */
int db_admin_team_hours_set(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_team_hours_row *rows,
			    size_t n, char **error_r);
/* True when PostgreSQL knows time zone name (its tz database decides, as
 * it does when the zone is used). A refused name (or any error) is false,
 * and aborts an open transaction: the caller then gives up. */
bool db_admin_time_zone_valid(struct db *db, const char *name);
/* Routing settings to change; NULL / -1 leaves one as it is. */
struct db_team_routing {
	const char *strategy;  /* an assign_strategy the schema accepts */
	int64_t max_open;      /* -1 unchanged */
	const char *time_zone;
};
/* Changes the team's routing settings. Returns 0. */
int db_admin_team_routing_set(struct db *db, int64_t tenant_id, int64_t team_id, const struct db_team_routing *r,
			      char **error_r);

/* A target of an SLA policy in minutes; DB_SLA_KEEP leaves it,
 * DB_SLA_NONE removes it. */
#define DB_SLA_KEEP (-1)
#define DB_SLA_NONE 0
/* Inserts the team's policy for priority (0-3), or changes its targets.
 * Returns 0. */
int db_admin_sla_set(struct db *db, int64_t tenant_id, int64_t team_id, int priority, int64_t first_response_min,
		     int64_t resolution_min, char **error_r);

#endif
