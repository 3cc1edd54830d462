/* Rule sets and tag events for the rule engine's glue (contract in
 * db-desk-rules.h). */
#include "config.h"
#include "db/db-desk-rules.h"

#include <stdlib.h>

#include "base/xalloc.h"
#include "db/db-private.h"

int db_desk_rule_set_read(struct db *db, int64_t tenant_id, int64_t scope, const char *known_stamp, char **stamp_r,
			  char **source_r, char **error_r)
{
	struct db_num tn, sc;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&sc, scope), known_stamp };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db,
		    "SELECT s.stamp, CASE WHEN s.stamp IS DISTINCT FROM $3 THEN r.source END"
		    " FROM rule_sets r, LATERAL (SELECT r.version || '/' || r.loaded_at::text AS stamp) s"
		    " WHERE r.tenant_id = $1 AND coalesce(r.team_id, 0) = $2::bigint",
		    3, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found) {
		*stamp_r = db_cell_str(res, 0, 0);
		*source_r = db_table_get(res, 0, 1) != NULL ? xstrdup(db_table_get(res, 0, 1)) : NULL;
	}
	db_table_free(&res);
	return found;
}

int db_desk_rule_sets_any(struct db *db, int64_t tenant_id, bool *any_r, char **error_r)
{
	struct db_num tn;
	const char *params[1] = { db_num(&tn, tenant_id) };
	struct db_table *res = NULL;

	if (db_exec(db, "SELECT EXISTS (SELECT 1 FROM rule_sets WHERE tenant_id = $1)", 1, params, &res, error_r) < 0)
		return -1;
	*any_r = db_cell_bool(res, 0, 0);
	db_table_free(&res);
	return 0;
}

int db_desk_tag_added_now(struct db *db, int64_t tenant_id, int64_t ticket_id, const char *tag, char **error_r)
{
	struct db_num tn, tk;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&tk, ticket_id), tag };
	struct db_table *res = NULL;
	int added;

	if (db_exec(db,
		    "SELECT 1 FROM ticket_events WHERE tenant_id = $1 AND ticket_id = $2 AND kind = 'tagged'"
		    " AND detail = $3 AND at = now() LIMIT 1",
		    3, params, &res, error_r) < 0)
		return -1;
	added = res->n_rows > 0;
	db_table_free(&res);
	return added;
}
