#ifndef MD_DB_DESK_TEAM_H
#define MD_DB_DESK_TEAM_H
/* What lib/desk reads about a team: the address it sends from, its name,
 * its templates and its acknowledgement setting. Conventions of db.h: -1
 * with *error_r malloc'd on failure; lookups return 1 found, 0 not found;
 * strings returned are malloc'd. */
#include <stdbool.h>
#include <stdint.h>

#include "db/db.h"

/* The address a team sends from (and gets replies at) into *address_r
 * ("" when the team has no alias): its oldest alias when that alias's
 * domain (or a parent) is a verified sending domain of the tenant; else,
 * with shared_domain set (NULL or "": none) and added as a sending domain
 * of nobody, ALIASLOCAL.TENANT@shared_domain (lower-case; not for a tenant
 * name that is no plain atom or that another tenant has but for case, nor
 * when delimiter (0: none) occurs in it, nor when another team of the
 * tenant has the same ALIASLOCAL on its oldest alias); else the oldest
 * alias. Returns 0 or -1. */
int db_desk_team_address(struct db *db, int64_t tenant_id, int64_t team_id, const char *shared_domain,
			 char delimiter, char **address_r, char **error_r);
/* The team's name into *name_r. 1 found, 0 no such team, -1 error. */
int db_desk_team_name(struct db *db, int64_t tenant_id, int64_t team_id, char **name_r, char **error_r);
/* The name of the team (of any tenant) that has address as an alias
 * (compared in lower case) into *team_name_r. 1 found, 0 none, -1 error. */
int db_desk_team_by_alias(struct db *db, const char *address, char **team_name_r, char **error_r);
/* The body of the team's template called name into *body_r. 1 found,
 * 0 none, -1 error. */
int db_desk_template_body(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
			  char **error_r);
/* The team's acknowledgement template (teams.autoack_template) into
 * *template_r, and whether its tenant acknowledges senders nobody
 * authenticated (tenants.autoack_unauthenticated) into
 * *unauthenticated_ok_r. 1 the team has a template, 0 it has none (or
 * there is no such team; nothing set), -1 error. */
int db_desk_autoack(struct db *db, int64_t tenant_id, int64_t team_id, char **template_r,
		    bool *unauthenticated_ok_r, char **error_r);

#endif
