/* The administrator's queue control: hold, release and delete (contract in
 * db-outbound.h). */
#include "config.h"
#include "db/db-outbound.h"
#include "db/db-private.h"

#include <stdlib.h>

/* Which rows each action takes: $1 is the id, 0 for the bulk form. */
#define ONE_OR_BULK(one_states, bulk_state)                                          \
	" WHERE ($1::bigint <> 0 AND id = $1 AND state IN " one_states ")"            \
	" OR ($1::bigint = 0 AND state = '" bulk_state "')"

static const char *const admin_sql[] = {
	[DB_OUTBOUND_HOLD] =
		"WITH u AS (UPDATE outbound SET state = 'held'" ONE_OR_BULK("('queued', 'deferred')", "deferred")
		" RETURNING id) SELECT count(*) FROM u",
	[DB_OUTBOUND_RELEASE] =
		"WITH u AS (UPDATE outbound SET state = 'queued', next_attempt_at = now()"
		ONE_OR_BULK("('held')", "held") " RETURNING id)"
		" SELECT (SELECT count(*) FROM u), pg_notify('maildesk_outbound', '')",
	[DB_OUTBOUND_DELETE] =
		"WITH u AS (UPDATE outbound SET state = 'failed',"
		" last_error = 'deleted by the administrator (maildeskctl queue delete)'"
		ONE_OR_BULK("('queued', 'deferred', 'held')", "deferred")
		" RETURNING tenant_id, ticket_id, id),"
		" e AS (INSERT INTO ticket_events (tenant_id, ticket_id, kind, actor, detail)"
		" SELECT tenant_id, ticket_id, 'outbound.deleted', 'maildeskctl',"
		" 'queued mail ' || id || ' deleted, never sent' FROM u WHERE ticket_id IS NOT NULL)"
		" SELECT count(*) FROM u",
};

/* Contract in db-outbound.h. */
int db_outbound_admin(struct db *db, enum db_outbound_admin op, int64_t id, size_t *n_r, char **error_r)
{
	struct db_num n;
	const char *params[1] = { db_num(&n, id) };
	struct db_table *t = NULL;

	if (db_exec(db, admin_sql[op], 1, params, &t, error_r) < 0)
		return -1;
	*n_r = (size_t)strtoull(db_table_get(t, 0, 0), NULL, 10);
	db_table_free(&t);
	return 0;
}
