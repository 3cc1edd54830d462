/* Tenants, teams and team aliases as the administrator changes them
 * (contracts in db-admin-tenant.h). */
#include "config.h"
#include "db/db-admin-tenant.h"
#include "db/db-admin-private.h"

#include <stdlib.h>

#include "base/xalloc.h"

/* Shared by every look-up that answers with one id (db-admin-private.h). */
int db_admin_id_query(struct db *db, const char *sql, size_t n_params, const char *const *params, int64_t *id_r,
		      char **error_r)
{
	struct db_table *t;
	int found;

	if (db_exec(db, sql, n_params, params, &t, error_r) < 0)
		return -1;
	found = t->n_rows > 0;
	if (found && id_r != NULL)
		*id_r = strtoll(db_table_get(t, 0, 0), NULL, 10);
	db_table_free(&t);
	return found;
}

/* Shared by the look-ups of one text value (db-admin-private.h). */
int db_admin_text_query(struct db *db, const char *sql, size_t n_params, const char *const *params, char **text_r,
			char **error_r)
{
	struct db_table *t;
	int found = db_exec_row(db, sql, n_params, params, &t, error_r);

	if (found > 0 && text_r != NULL)
		*text_r = xstrdup(db_table_get(t, 0, 0));
	db_table_free(&t);
	return found;
}

/* An insert that returns its id: 0, or -1. */
static int insert_id(struct db *db, const char *sql, size_t n_params, const char *const *params, int64_t *id_r,
		     char **error_r)
{
	return db_admin_id_query(db, sql, n_params, params, id_r, error_r) < 0 ? -1 : 0;
}

/* Contract in db-admin-tenant.h. */
int db_admin_tenant_add(struct db *db, const char *name, int64_t *id_r, char **error_r)
{
	const char *params[1] = { name };

	return insert_id(db, "INSERT INTO tenants (name) VALUES ($1) RETURNING id", 1, params, id_r, error_r);
}

/* A tri-state as a boolean parameter (NULL leaves the column). */
static const char *tri(int v)
{
	return v < 0 ? NULL : v ? "t" : "f";
}

/* Contract in db-admin-tenant.h. */
int db_admin_tenant_set(struct db *db, const char *name, const struct db_tenant_settings *s, char **error_r)
{
	const char *params[4] = { name, s->subject_tag_format, tri(s->require_authenticated_requester),
				  tri(s->autoack_unauthenticated) };

	return db_admin_id_query(db,
				 "UPDATE tenants SET subject_tag_format = coalesce($2, subject_tag_format),"
				 " require_authenticated_requester = coalesce($3::boolean, require_authenticated_requester),"
				 " autoack_unauthenticated = coalesce($4::boolean, autoack_unauthenticated)"
				 " WHERE name = $1 RETURNING id",
				 4, params, NULL, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_tenant_find(struct db *db, const char *name, int64_t *id_r, char **error_r)
{
	const char *params[1] = { name };

	return db_admin_id_query(db, "SELECT id FROM tenants WHERE name = $1", 1, params, id_r, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_tenant_candidates(struct db *db, const char *team, struct db_table **t_r, char **error_r)
{
	const char *params[1] = { team };

	if (team == NULL)
		return db_exec(db, "SELECT id, name FROM tenants ORDER BY name", 0, NULL, t_r, error_r);
	return db_exec(db,
		       "SELECT n.id, n.name FROM tenants n JOIN teams m ON m.tenant_id = n.id"
		       " WHERE m.name = $1 ORDER BY n.name",
		       1, params, t_r, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_team_find(struct db *db, int64_t tenant_id, const char *name, int64_t *id_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), name };

	return db_admin_id_query(db, "SELECT id FROM teams WHERE tenant_id = $1 AND name = $2", 2, params, id_r,
				 error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_team_add(struct db *db, int64_t tenant_id, const char *name, int64_t *id_r, char **error_r)
{
	struct db_num n;
	const char *params[2] = { db_num(&n, tenant_id), name };

	return insert_id(db, "INSERT INTO teams (tenant_id, name) VALUES ($1, $2) RETURNING id", 2, params, id_r,
			 error_r);
}

/* One column of one team, set to value (column names are fixed here). */
static int team_update(struct db *db, const char *sql, int64_t tenant_id, int64_t team_id, const char *value,
		       char **error_r)
{
	struct db_num n, m;
	const char *params[3] = { db_num(&n, tenant_id), db_num(&m, team_id), value };

	return db_exec(db, sql, 3, params, NULL, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_team_reopen_days_set(struct db *db, int64_t tenant_id, int64_t team_id, unsigned days,
				  char **error_r)
{
	struct db_num d;

	return team_update(db, "UPDATE teams SET reopen_days = $3 WHERE tenant_id = $1 AND id = $2", tenant_id,
			   team_id, db_num(&d, days), error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_team_sender_name_set(struct db *db, int64_t tenant_id, int64_t team_id, const char *format,
				  char **error_r)
{
	return team_update(db, "UPDATE teams SET sender_name_format = $3 WHERE tenant_id = $1 AND id = $2",
			   tenant_id, team_id, format, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_team_autoack_set(struct db *db, int64_t tenant_id, int64_t team_id, const char *template_name,
			      char **error_r)
{
	return team_update(db, "UPDATE teams SET autoack_template = $3 WHERE tenant_id = $1 AND id = $2", tenant_id,
			   team_id, template_name, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_alias_add(struct db *db, int64_t tenant_id, int64_t team_id, const char *address, char **error_r)
{
	return team_update(db, "INSERT INTO team_aliases (tenant_id, team_id, address) VALUES ($1, $2, lower($3))",
			   tenant_id, team_id, address, error_r);
}

/* Contract in db-admin-tenant.h. */
int db_admin_alias_owner(struct db *db, const char *address, char **team_r, char **tenant_r, char **error_r)
{
	const char *params[1] = { address };
	struct db_table *t;
	int found;

	if (db_exec(db,
		    "SELECT m.name, n.name FROM team_aliases a"
		    " JOIN teams m ON m.tenant_id = a.tenant_id AND m.id = a.team_id"
		    " JOIN tenants n ON n.id = a.tenant_id WHERE a.address = lower($1)",
		    1, params, &t, error_r) < 0)
		return -1;
	found = t->n_rows > 0;
	if (found) {
		*team_r = xstrdup(db_table_get(t, 0, 0));
		*tenant_r = xstrdup(db_table_get(t, 0, 1));
	}
	db_table_free(&t);
	return found;
}
