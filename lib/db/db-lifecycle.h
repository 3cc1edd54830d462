#ifndef MD_DB_LIFECYCLE_H
#define MD_DB_LIFECYCLE_H
/* Removing aliases, agents, teams and tenants, and agents joining and
 * leaving teams (issue 14, sql/025_lifecycle.sql). Each runs in the
 * caller's transaction; lib/desk reassigns and moves tickets before (that
 * policy is not here). Every function returns -1 with *error_r (malloc'd)
 * on a database error; a foreign key that still holds (a table this code
 * does not know) is such an error, and the caller's rollback leaves
 * everything as it was. */
#include <stdint.h>

#include "db/db.h"

/* Deletes the alias (lower-cased) of tenant_id: RCPT to it gets 550 from
 * then on; its tickets and messages stay. 1 done (*team_r: its team's
 * name, malloc'd), 0 no such alias of the tenant. */
int db_lifecycle_alias_remove(struct db *db, int64_t tenant_id, const char *address, char **team_r,
			      char **error_r);

/* How many aliases team_id has (*n_r). Returns 0. */
int db_lifecycle_team_alias_count(struct db *db, int64_t tenant_id, int64_t team_id, int64_t *n_r, char **error_r);

/* The rule sets of the tenant whose source names text in double quotes
 * (case-insensitively), as team names ("" for the tenant-wide rules; one
 * column, by name), so a removal can say which rules will fail. Returns 0
 * with *t_r. */
int db_lifecycle_rules_naming(struct db *db, int64_t tenant_id, const char *text, struct db_table **t_r,
			      char **error_r);

/* Makes agent_id leave team_id. 1 done, 0 was not a member. */
int db_lifecycle_team_leave(struct db *db, int64_t tenant_id, int64_t team_id, int64_t agent_id, char **error_r);

/* Locks, before an agent's tickets are handed over, the rows of their
 * teams (team_id; 0: all of them), lowest id first, then the agent's row,
 * in the order a delivery's assignment takes them (team, then the agent
 * through the foreign key), so a concurrent assignment waits for the
 * commit instead of slipping in or deadlocking. Returns 0. */
int db_lifecycle_agent_lock(struct db *db, int64_t tenant_id, int64_t agent_id, int64_t team_id, char **error_r);

/* Deletes an agent whose open tickets the caller handed over: their team
 * memberships go, tickets still theirs (closed ones) become unassigned,
 * their messages keep their From address but lose the link, and the row
 * is deleted, so tokens naming the agent's id no longer verify. 1 done,
 * 0 no such agent. */
int db_lifecycle_agent_remove(struct db *db, int64_t tenant_id, int64_t agent_id, char **error_r);

/* Locks the team row (deliveries that would add a ticket to it wait) and
 * counts its tickets: *open_r not closed (nor merged), *all_r in all.
 * Returns 0. */
int db_lifecycle_team_tickets(struct db *db, int64_t tenant_id, int64_t team_id, int64_t *open_r, int64_t *all_r,
			      char **error_r);
/* The team's tickets (columns id, number, status), oldest first. 0 with *t_r. */
int db_lifecycle_team_ticket_list(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
				  char **error_r);
/* Deletes a team that holds no tickets (the caller moved them): its
 * messages' team becomes to_team_id (0: it must have none), its reasons
 * route to to_team_id (0: to none), and its aliases, agent memberships,
 * templates, rules, hours, SLA policies and IMAP channels are deleted. 1
 * done, 0 no such team. */
int db_lifecycle_team_remove(struct db *db, int64_t tenant_id, int64_t team_id, int64_t to_team_id,
			     char **error_r);

/* The tenant's sending domains and DKIM selectors, for the DNS records to
 * delete (columns domain, selector, key_file; selector NULL for a domain
 * without keys). Returns 0 with *t_r. */
int db_lifecycle_tenant_dns(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r);
/* Deletes every row of the tenant in every table (audit_log excepted):
 * the known tables in order, then any other table with a tenant_id column
 * (maildesk_tenant_sweep), then the tenant; a table that still holds rows
 * (maildesk_tenant_rows) is an error naming it. 1 done, 0 no such tenant. */
int db_lifecycle_tenant_remove(struct db *db, int64_t tenant_id, char **error_r);

#endif
