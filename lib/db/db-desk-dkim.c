/* Sending domains and selectors for DKIM signing (contract in
 * db-desk-dkim.h). */
#include "config.h"
#include "db/db-desk-dkim.h"

#include <stdlib.h>

#include "base/xalloc.h"
#include "db/db-private.h"

int db_desk_dkim_selectors(struct db *db, int64_t tenant_id, const char *from_domain, const char *shared_domain,
			   struct db_desk_dkim_selector **rows_r, size_t *n_r, char **error_r)
{
	struct db_num tn;
	const char *params[3] = { from_domain, db_num(&tn, tenant_id), shared_domain != NULL ? shared_domain : "" };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT s.domain, s.selector, s.algorithm, s.key_file"
		    " FROM sending_domains d JOIN dkim_selectors s ON s.domain = d.domain AND s.state = 'active'"
		    " WHERE ($1 = d.domain OR right($1, length(d.domain) + 1) = '.' || d.domain)"
		    " AND ((d.tenant_id = $2 AND d.status = 'verified') OR (d.tenant_id IS NULL AND d.domain = $3))"
		    " AND s.generation = (SELECT g.generation FROM dkim_selectors g"
		    "  WHERE g.domain = d.domain AND g.state = 'active' ORDER BY g.created_at, g.generation LIMIT 1)"
		    " ORDER BY length(d.domain) DESC, d.domain, s.algorithm DESC, s.selector",
		    3, params, &res, error_r) < 0)
		return -1;
	*n_r = res->n_rows;
	*rows_r = xcalloc(res->n_rows ? res->n_rows : 1, sizeof(**rows_r));
	for (size_t i = 0; i < res->n_rows; i++)
		(*rows_r)[i] = (struct db_desk_dkim_selector){ db_cell_str(res, i, 0), db_cell_str(res, i, 1),
							       db_cell_str(res, i, 2), db_cell_str(res, i, 3) };
	db_table_free(&res);
	return 0;
}

void db_desk_dkim_selectors_free(struct db_desk_dkim_selector **rows, size_t n)
{
	if (*rows == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free((*rows)[i].domain);
		free((*rows)[i].selector);
		free((*rows)[i].algorithm);
		free((*rows)[i].key_file);
	}
	free(*rows);
	*rows = NULL;
}

int db_desk_tenant_name_is(struct db *db, int64_t tenant_id, const char *lower_name, char **error_r)
{
	struct db_num tn;
	const char *params[2] = { db_num(&tn, tenant_id), lower_name };
	struct db_table *res = NULL;
	int yes;

	if (db_exec(db,
		    "SELECT 1 FROM tenants te WHERE te.id = $1 AND lower(te.name) = $2"
		    " AND NOT EXISTS (SELECT 1 FROM tenants o WHERE lower(o.name) = $2 AND o.id <> te.id)",
		    2, params, &res, error_r) < 0)
		return -1;
	yes = res->n_rows > 0;
	db_table_free(&res);
	return yes;
}

int db_desk_sending_domains_any(struct db *db, bool *any_r, char **error_r)
{
	struct db_table *res = NULL;

	if (db_exec(db, "SELECT EXISTS (SELECT 1 FROM sending_domains)", 0, NULL, &res, error_r) < 0)
		return -1;
	*any_r = db_cell_bool(res, 0, 0);
	db_table_free(&res);
	return 0;
}
