/* Sending domains and DKIM selectors as the administrator changes them
 * (contracts in db-admin-domain.h). */
#include "config.h"
#include "db/db-admin-domain.h"
#include "db/db-admin-private.h"


/* Contract in db-admin-domain.h. */
int db_admin_domain_exists(struct db *db, const char *domain, bool lock, char **error_r)
{
	const char *params[1] = { domain };

	return db_admin_id_query(db, lock ? "SELECT 1 FROM sending_domains WHERE domain = $1 FOR UPDATE"
					  : "SELECT 1 FROM sending_domains WHERE domain = $1",
				 1, params, NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_generation_exists(struct db *db, const char *domain, const char *gen, char **error_r)
{
	const char *params[2] = { domain, gen };

	return db_admin_id_query(db, "SELECT 1 FROM dkim_selectors WHERE domain = $1 AND generation = $2", 2, params,
				 NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_add(struct db *db, const char *domain, int64_t tenant_id, char **error_r)
{
	struct db_num n;
	const char *params[2] = { domain, db_id_or_null(&n, tenant_id) };

	return db_exec(db, "INSERT INTO sending_domains (domain, tenant_id) VALUES ($1, $2)", 2, params, NULL,
		       error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_dkim_selector_add(struct db *db, const struct db_dkim_selector_in *s, char **error_r)
{
	const char *params[6] = { s->domain, s->selector, s->generation, s->algorithm, s->public_key, s->key_file };

	return db_exec(db,
		       "INSERT INTO dkim_selectors (domain, selector, generation, algorithm, public_key, key_file)"
		       " VALUES ($1, $2, $3, $4, $5, $6)",
		       6, params, NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_dkim_published_set(struct db *db, const char *domain, const char *selector, bool published,
				char **error_r)
{
	const char *params[3] = { domain, selector, published ? "t" : "f" };

	return db_exec(db, "UPDATE dkim_selectors SET published = $3 WHERE domain = $1 AND selector = $2", 3, params,
		       NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_checked(struct db *db, const char *domain, const char *report, const char *status,
			    char **error_r)
{
	const char *params[3] = { domain, report, status };

	return db_exec(db,
		       "UPDATE sending_domains SET checked_at = now(), check_report = $2, status = $3,"
		       " verified_at = CASE WHEN $3 <> 'verified' THEN NULL"
		       "  WHEN status = 'verified' THEN verified_at ELSE now() END WHERE domain = $1",
		       3, params, NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_status(struct db *db, const char *domain, char **status_r, char **error_r)
{
	const char *params[1] = { domain };

	return db_admin_text_query(db, "SELECT status FROM sending_domains WHERE domain = $1", 1, params, status_r,
				   error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_generations(struct db *db, const char *domain, struct db_table **t_r, char **error_r)
{
	const char *params[1] = { domain };

	return db_exec(db,
		       "SELECT generation, bool_and(published) FROM dkim_selectors"
		       " WHERE domain = $1 AND state = 'active'"
		       " GROUP BY generation ORDER BY min(created_at), generation",
		       1, params, t_r, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_dkim_generation_retire(struct db *db, const char *domain, const char *gen, char **error_r)
{
	const char *params[2] = { domain, gen };

	return db_exec(db,
		       "UPDATE dkim_selectors SET state = 'retired', retired_at = now()"
		       " WHERE domain = $1 AND generation = $2 AND state = 'active'",
		       2, params, NULL, error_r);
}

/* Contract in db-admin-domain.h. */
int db_admin_domain_pending(struct db *db, const char *domain, char **error_r)
{
	const char *params[1] = { domain };

	return db_exec(db, "UPDATE sending_domains SET status = 'pending', verified_at = NULL WHERE domain = $1", 1,
		       params, NULL, error_r);
}
