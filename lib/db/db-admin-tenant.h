#ifndef MD_DB_ADMIN_TENANT_H
#define MD_DB_ADMIN_TENANT_H
/* The administrator's writes and look-ups of tenants, teams and team
 * aliases (maildeskctl tenant/team ...). Every function returns -1 with
 * *error_r (malloc'd) on a database error; after a failed insert,
 * db_last_error_was_duplicate() tells that the name was taken. Ids are
 * the tables' bigint ids; 0 means "none". */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Inserts tenant name. Returns 0 with *id_r. */
int db_admin_tenant_add(struct db *db, const char *name, int64_t *id_r, char **error_r);

/* A tenant's settings to change: NULL / -1 leaves one as it is. */
struct db_tenant_settings {
	const char *subject_tag_format;
	int require_authenticated_requester; /* 1 yes, 0 no, -1 unchanged */
	int autoack_unauthenticated;         /* 1 yes, 0 no, -1 unchanged */
};
/* Changes tenant name's settings. Returns 1 done, 0 no such tenant. */
int db_admin_tenant_set(struct db *db, const char *name, const struct db_tenant_settings *s, char **error_r);
/* Returns 1 with *id_r when tenant name exists, else 0. */
int db_admin_tenant_find(struct db *db, const char *name, int64_t *id_r, char **error_r);
/* The tenants (columns id, name; by name) that hold a team called team, or
 * every tenant when team is NULL. Returns 0 with *t_r (db_table_free()). */
int db_admin_tenant_candidates(struct db *db, const char *team, struct db_table **t_r, char **error_r);

/* Returns 1 with *id_r when tenant_id has a team called name, else 0. */
int db_admin_team_find(struct db *db, int64_t tenant_id, const char *name, int64_t *id_r, char **error_r);
/* Inserts a team. Returns 0 with *id_r. */
int db_admin_team_add(struct db *db, int64_t tenant_id, const char *name, int64_t *id_r, char **error_r);
/* Sets a team's reopen window in days. Returns 0. */
int db_admin_team_reopen_days_set(struct db *db, int64_t tenant_id, int64_t team_id, unsigned days,
				  char **error_r);
/* Sets how agents are named to customers ("{agent} at {team}"). Returns 0. */
int db_admin_team_sender_name_set(struct db *db, int64_t tenant_id, int64_t team_id, const char *format,
				  char **error_r);
/* Sets the template that acknowledges new tickets (NULL: none). Returns 0. */
int db_admin_team_autoack_set(struct db *db, int64_t tenant_id, int64_t team_id, const char *template_name,
			      char **error_r);

/* Adds an alias (stored lower-case). Returns 0. */
int db_admin_alias_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *address, char **error_r);
/* Who owns an alias: 1 with *team_r and *tenant_r (malloc'd names), or 0. */
int db_admin_alias_owner(struct db *db, const char *address, char **team_r, char **tenant_r, char **error_r);

#endif
