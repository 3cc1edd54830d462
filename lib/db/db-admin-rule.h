#ifndef MD_DB_ADMIN_RULE_H
#define MD_DB_ADMIN_RULE_H
/* The administrator's rule sets (maildeskctl rule load/show/test/replay):
 * storing one, the names a rule set may refer to, and the read-only
 * inputs of a test or replay. Every function returns -1 with *error_r
 * (malloc'd) on a database error; tables are freed with db_table_free().
 * team_id 0 means the tenant-wide rule set. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db/db.h"

/* Replaces the scope's rule set (its version grows by one). Returns 0
 * with *version_r, the new version. */
int db_admin_rule_set_store(struct db *db, int64_t tenant_id, int64_t team_id, const char *source,
			    const char *filename, int64_t *version_r, char **error_r);
/* Whether rules of team_id may use template name: 1 when a team of the
 * tenant has it and that team is team_id (0: any team) or one of the n
 * teams named in move_targets (where the rules move tickets), else 0. */
int db_admin_rule_template_exists(struct db *db, int64_t tenant_id, int64_t team_id, const char *name,
				  const char *const *move_targets, size_t n, char **error_r);

/* The stored rule sets: of team_id's scope, or with all every one of the
 * tenant. Columns team ("*" tenant-wide), version, loaded, filename,
 * source; tenant-wide first. Returns 0 with *t_r. */
int db_report_rule_sets(struct db *db, int64_t tenant_id, int64_t team_id, bool all, struct db_table **t_r,
			char **error_r);
/* The rule sets that run for team_id's tickets: source, filename,
 * tenant-wide ("t"/"f"); tenant-wide first. Returns 0 with *t_r. */
int db_report_rule_programs(struct db *db, int64_t tenant_id, int64_t team_id, struct db_table **t_r,
			    char **error_r);
/* The team's customer messages received from since until until (NULL:
 * now), both "YYYY-MM-DD[ HH:MM]" in the team's time zone: id,
 * ticket_id, ticket number, first of its ticket ("t"/"f"), received,
 * from, subject; in order received. Returns 0 with *t_r. */
int db_report_rule_replay_messages(struct db *db, int64_t tenant_id, int64_t team_id, const char *since,
				   const char *until, struct db_table **t_r, char **error_r);
/* What "rule test" needs of the team besides the message: one row per
 * alias (address, oldest first; one row with NULL when none), each with
 * whether it is business hours now ("t"/"f") and how many open, pending
 * or snoozed tickets requester has. Returns 0 with *t_r. */
int db_report_rule_team_facts(struct db *db, int64_t tenant_id, int64_t team_id, const char *requester,
			      struct db_table **t_r, char **error_r);
/* Opens a read-only transaction (a replay runs the rules without letting
 * them write). End it with db_rollback(). Returns 0. */
int db_report_begin_read_only(struct db *db, char **error_r);

#endif
