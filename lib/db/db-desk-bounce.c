/* Outbound rows a delivery report names (contract in db-desk-bounce.h). */
#include "config.h"
#include "db/db-desk-bounce.h"

#include "db/db-private.h"

int db_desk_outbound_origin(struct db *db, int64_t tenant_id, int64_t outbound_id, struct db_desk_outbound_origin *o,
			    char **error_r)
{
	struct db_num tn, ob;
	const char *params[2] = { db_num(&tn, tenant_id), db_num(&ob, outbound_id) };
	struct db_table *res = NULL;
	int found;

	if (db_exec(db,
		    "SELECT coalesce(o.ticket_id, 0), o.kind IN ('reply', 'new'), coalesce((SELECT m.agent_id"
		    " FROM messages m WHERE m.tenant_id = o.tenant_id AND m.message_id = o.message_id"
		    " AND m.direction = 'out' LIMIT 1), 0) FROM outbound o WHERE o.tenant_id = $1 AND o.id = $2",
		    2, params, &res, error_r) < 0)
		return -1;
	found = res->n_rows > 0;
	if (found)
		*o = (struct db_desk_outbound_origin){ .ticket_id = db_cell_int(res, 0, 0),
						       .agent_mail = db_cell_bool(res, 0, 1),
						       .agent_id = db_cell_int(res, 0, 2) };
	db_table_free(&res);
	return found;
}

int db_desk_outbound_fail(struct db *db, int64_t tenant_id, int64_t outbound_id, const char *why, char **error_r)
{
	struct db_num tn, ob;
	const char *params[3] = { db_num(&tn, tenant_id), db_num(&ob, outbound_id), why };

	return db_exec(db,
		       "UPDATE outbound SET state = 'failed', sent_at = NULL, last_error = $3,"
		       " next_attempt_at = now() WHERE tenant_id = $1 AND id = $2",
		       3, params, NULL, error_r);
}
