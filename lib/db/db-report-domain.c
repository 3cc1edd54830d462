/* Reports of sending domains (contracts in db-report-domain.h). */
#include "config.h"
#include "db/db-report-domain.h"
#include "db/db-admin-private.h"

/* Contract in db-report-domain.h. */
int db_report_domain(struct db *db, const char *domain, struct db_table **t_r, char **error_r)
{
	const char *params[1] = { domain };

	return db_exec_row(db,
				"SELECT d.domain, n.name AS tenant, d.tenant_id IS NULL AS shared, d.status,"
				" " DB_TS("d.verified_at") " AS verified_at, " DB_TS("d.checked_at") " AS checked_at,"
				" " DB_TS("d.created_at") " AS created_at, d.check_report"
				" FROM sending_domains d LEFT JOIN tenants n ON n.id = d.tenant_id WHERE d.domain = $1",
				1, params, t_r, error_r);
}

/* Contract in db-report-domain.h. */
int db_report_domain_selectors(struct db *db, const char *domain, struct db_table **t_r, char **error_r)
{
	const char *params[1] = { domain };

	/* rsa-sha256 sorts after ed25519-sha256: DESC puts RSA first. */
	return db_exec(db,
		       "SELECT selector, generation, algorithm, public_key, published FROM dkim_selectors"
		       " WHERE domain = $1 AND state = 'active' ORDER BY created_at, generation, algorithm DESC",
		       1, params, t_r, error_r);
}

/* Contract in db-report-domain.h. */
int db_report_domains(struct db *db, int64_t tenant_id, struct db_table **t_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_id_or_null(&n, tenant_id) };

	return db_exec(db,
		       "SELECT d.domain, coalesce(n.name, '(shared)') AS tenant, d.status,"
		       " coalesce((SELECT json_agg(s.selector ORDER BY s.created_at, s.generation, s.algorithm DESC)"
		       "   FROM dkim_selectors s WHERE s.domain = d.domain AND s.state = 'active'), '[]') AS selectors, "
		       DB_TS("d.checked_at") " AS last_check"
		       " FROM sending_domains d LEFT JOIN tenants n ON n.id = d.tenant_id"
		       " WHERE $1::bigint IS NULL OR d.tenant_id = $1 ORDER BY d.domain",
		       1, params, t_r, error_r);
}
