#ifndef MD_DB_ADMIN_AGENT_H
#define MD_DB_ADMIN_AGENT_H
/* The administrator's writes and look-ups of agents and team templates
 * (maildeskctl agent/template ...). Every function returns -1 with
 * *error_r (malloc'd) on a database error; after a failed insert,
 * db_last_error_was_duplicate() tells that the address was taken. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* Inserts an agent (email stored lower-case; name and signature "" for
 * none). Returns 0 with *id_r. */
int db_admin_agent_add(struct db *db, int64_t tenant_id, const char *email, const char *name,
		       const char *signature, int64_t *id_r, char **error_r);
/* Makes agent_id a member of team_id (nothing when already). Returns 0. */
int db_admin_agent_team_join(struct db *db, int64_t tenant_id, int64_t team_id, int64_t agent_id,
			     char **error_r);
/* An agent's settings to change: NULL / -1 leaves one as it is. */
struct db_agent_settings {
	const char *name;
	const char *signature;
	int notify_offline; /* 1 yes, 0 no, -1 unchanged */
};
/* Changes the agent email of tenant_id. Returns 1 done, 0 no such agent. */
int db_admin_agent_set(struct db *db, int64_t tenant_id, const char *email, const struct db_agent_settings *s,
		       char **error_r);
/* Returns 1 with *id_r (may be NULL) when tenant_id has agent email, else 0. */
int db_admin_agent_find(struct db *db, int64_t tenant_id, const char *email, int64_t *id_r, char **error_r);
/* Like db_admin_agent_find(), with the agent's status (*status_r,
 * malloc'd, may be NULL). When it returns 0, *tenant_name_r is the
 * tenant's name (malloc'd), or NULL when tenant_id has none. */
int db_admin_agent_status(struct db *db, int64_t tenant_id, const char *email, int64_t *id_r, char **status_r,
			  char **tenant_name_r, char **error_r);

/* Inserts or replaces a team's template. Returns 0 with *added_r true
 * when it is new. */
int db_admin_template_save(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, const char *body,
			   bool *added_r, char **error_r);
/* Returns 1 when the team has template name, else 0; with body_r != NULL
 * also *body_r (malloc'd). */
int db_admin_template_get(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
			  char **error_r);
/* True in *autoack_r when template name acknowledges the team's new
 * tickets. Returns 1, or 0 when the team has no such template. */
int db_admin_template_usage(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, bool *autoack_r,
			    char **error_r);
/* Deletes a team's template. Returns 0. */
int db_admin_template_remove(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **error_r);

#endif
