#ifndef MD_DB_REPORT_ADMIN_H
#define MD_DB_REPORT_ADMIN_H
/* Read-only reports of tenants, teams, agents and templates for
 * maildeskctl's list and show commands. Each returns 0 with *t_r (free
 * with db_table_free()), or -1 with *error_r (malloc'd). Column names and
 * order are the output's (maildeskctl prints them as they come);
 * timestamps are ISO 8601 UTC text. A filter id of 0 means "all". */
#include <stdint.h>

#include "db/db.h"

/* id, name, teams, agents, open_tickets, subject_tag,
 * require_authenticated_requester, autoack_unauthenticated, created. */
int db_report_tenants(struct db *db, struct db_table **t_r, char **error_r);
/* tenant, team, id, aliases (JSON), agents, open_tickets, reopen_days. */
int db_report_teams(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);
/* tenant, email, name, status, teams (JSON). */
int db_report_agents(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r, char **error_r);
/* One agent: id, tenant, email, name, status, created, notify_offline
 * (*agent_r) and its teams: id, name (*teams_r). Returns 1, or 0 (no
 * tables) when tenant_id has no agent email. */
int db_report_agent(struct db *db, int64_t tenant_id, const char *email, struct db_table **agent_r,
		    struct db_table **teams_r, char **error_r);
/* tenant, team, name, autoack, bytes, updated; team (a name) may be NULL. */
int db_report_templates(struct db *db, int64_t tenant_id, const char *team, struct db_table **t_r,
			char **error_r);
/* One team's routing: team, strategy, max_open, time_zone, hours (NULL,
 * a place for the caller's text) in *t_r, and its calendar: dow, span
 * ("HH:MM-HH:MM") by day and time in *hours_r. Returns 0 with both. */
int db_report_team_routing(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
			   struct db_table **hours_r, char **error_r);
/* SLA policies of tenant_id (of team only, a name, when not NULL): team,
 * priority (name), first_response_minutes, resolution_minutes. */
int db_report_slas(struct db *db, int64_t tenant_id, const char *team, struct db_table **t_r, char **error_r);

#endif
