/* Reading teams for lib/desk (contract in db-desk-team.h). */
#include "config.h"
#include "db/db-desk-team.h"

#include <stdlib.h>

#include "base/xalloc.h"
#include "db/db-private.h"

/* The address a team sends from, computed from the team's oldest alias x
 * (tenant_id, team_id, address, loc, dom) and tenant te; $3 is the shared
 * domain ("" none), $4 the recipient delimiter, which must not occur in a
 * shared address. A tenant name that is no dot-less atom, or that another
 * tenant shares but for case, would make the address ambiguous; so would
 * another team of the tenant whose oldest alias has the same local part
 * (db_alias_lookup() refuses such an address). */
#define SENDING_ADDRESS_SQL \
	"CASE WHEN EXISTS (SELECT 1 FROM sending_domains d WHERE d.tenant_id = x.tenant_id" \
	" AND d.status = 'verified' AND (d.domain = x.dom OR right(x.dom, length(d.domain) + 1) = '.' || d.domain))" \
	" THEN x.address" \
	" WHEN $3 <> '' AND EXISTS (SELECT 1 FROM sending_domains d WHERE d.domain = lower($3) AND d.tenant_id IS NULL)" \
	" AND x.loc ~ '^[a-z0-9!#$%&''*/=?^_`{|}~-]+(\\.[a-z0-9!#$%&''*/=?^_`{|}~-]+)*$'" \
	" AND lower(te.name) ~ '^[a-z0-9!#$%&''*/=?^_`{|}~-]+$'" \
	" AND ($4 = '' OR strpos(x.loc || lower(te.name), $4) = 0)" \
	" AND NOT EXISTS (SELECT 1 FROM tenants o WHERE lower(o.name) = lower(te.name) AND o.id <> te.id)" \
	" AND NOT EXISTS (SELECT 1 FROM team_aliases ot WHERE ot.tenant_id = x.tenant_id AND ot.team_id <> x.team_id" \
	" AND left(ot.address, length(x.loc) + 1) = x.loc || '@' AND NOT EXISTS (SELECT 1 FROM team_aliases p" \
	" WHERE p.tenant_id = ot.tenant_id AND p.team_id = ot.team_id" \
	" AND (p.created_at, p.address) < (ot.created_at, ot.address)))" \
	" THEN x.loc || '.' || lower(te.name) || '@' || lower($3) ELSE x.address END"

int db_desk_team_address(struct db *db, int64_t tenant_id, int64_t team_id, const char *shared_domain,
			 char delimiter, char **address_r, char **error_r)
{
	struct db_num tn, tm;
	char delim[2] = { delimiter, '\0' };
	const char *params[4] = { db_num(&tn, tenant_id), db_num(&tm, team_id),
				  shared_domain != NULL ? shared_domain : "", delim };
	struct db_table *res = NULL;

	if (db_exec(db,
		    "SELECT " SENDING_ADDRESS_SQL " FROM (SELECT al.tenant_id, al.team_id, al.address,"
		    " substring(al.address from '^(.*)@') AS loc, substring(al.address from '@([^@]*)$') AS dom"
		    " FROM team_aliases al WHERE al.tenant_id = $1 AND al.team_id = $2"
		    " ORDER BY al.created_at, al.address LIMIT 1) x JOIN tenants te ON te.id = x.tenant_id",
		    4, params, &res, error_r) < 0)
		return -1;
	*address_r = db_cell_str(res, 0, 0);
	db_table_free(&res);
	return 0;
}

/* Runs a one-column lookup; the first row's value into *value_r. 1 found
 * (a NULL cell counts as none), 0 none, -1 error. */
static int lookup_text(struct db *db, const char *sql, size_t n, const char *const *params, char **value_r,
		       char **error_r)
{
	struct db_table *res = NULL;
	int found;

	if (db_exec(db, sql, n, params, &res, error_r) < 0)
		return -1;
	found = db_table_get(res, 0, 0) != NULL;
	if (found)
		*value_r = xstrdup(db_table_get(res, 0, 0));
	db_table_free(&res);
	return found;
}

int db_desk_team_name(struct db *db, int64_t tenant_id, int64_t team_id, char **name_r, char **error_r)
{
	struct db_num tn, tm;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tm, team_id) };

	return lookup_text(db, "SELECT name FROM teams WHERE tenant_id = $1 AND id = $2", 2, params, name_r, error_r);
}

int db_desk_team_by_alias(struct db *db, const char *address, char **team_name_r, char **error_r)
{
	const char *params[1] = { address };

	return lookup_text(db,
			   "SELECT m.name FROM team_aliases a JOIN teams m ON m.tenant_id = a.tenant_id"
			   " AND m.id = a.team_id WHERE a.address = lower($1)",
			   1, params, team_name_r, error_r);
}

int db_desk_template_body(struct db *db, int64_t tenant_id, int64_t team_id, const char *name, char **body_r,
			  char **error_r)
{
	struct db_num tn, tm;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tm, team_id), name };

	return lookup_text(db, "SELECT body FROM templates WHERE tenant_id = $1 AND team_id = $2 AND name = $3", 3,
			   params, body_r, error_r);
}

int db_desk_autoack(struct db *db, int64_t tenant_id, int64_t team_id, char **template_r,
		    bool *unauthenticated_ok_r, char **error_r)
{
	struct db_num tn, tm;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&tm, team_id) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db,
		    "SELECT m.autoack_template, te.autoack_unauthenticated FROM teams m"
		    " JOIN tenants te ON te.id = m.tenant_id WHERE m.tenant_id = $1 AND m.id = $2",
		    2, params, &res, error_r) < 0)
		return -1;
	found = db_table_get(res, 0, 0) != NULL;
	if (found) {
		*template_r = xstrdup(db_table_get(res, 0, 0));
		*unauthenticated_ok_r = db_cell_bool(res, 0, 1);
	}
	db_table_free(&res);
	return found;
}
